"""Quality models, one module per aggregate; import every model here so Django finds it."""
