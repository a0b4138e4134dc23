"""Battle-specific model code, one package per battle (the data of a battle is a folder under
``attrition/data/battles/``; only battles with a model have a package here)."""
