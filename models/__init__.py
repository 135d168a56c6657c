"""Models, data and training; generic and unaware of claims."""
