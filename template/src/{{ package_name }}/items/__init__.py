"""Items: the example resource."""
