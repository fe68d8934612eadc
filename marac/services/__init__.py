"""Domain logic as plain functions: no request objects, easy to test."""
