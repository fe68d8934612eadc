"""Walking the URL map: a URL for every rule, with sample values for its arguments."""

import itertools


def sample_value(rule, name):
    converter = rule._converters[name]
    return sorted(converter.items)[0] if hasattr(converter, "items") else 1


def url_of(rule, **values):
    arguments = {name: values.get(name, sample_value(rule, name)) for name in rule.arguments}
    return rule.build(arguments, append_unknown=False)[1]


def methods_of(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def urls_of(rule, **values):
    """Every URL of the rule: one per value of each `any(...)` argument, others as given or 1."""
    choices = []
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        if name in values:
            choices.append([(name, values[name])])
        elif hasattr(converter, "items"):
            choices.append([(name, item) for item in sorted(converter.items)])
        else:
            choices.append([(name, 1)])
    return [rule.build(dict(combination), append_unknown=False)[1] for combination in itertools.product(*choices)]
