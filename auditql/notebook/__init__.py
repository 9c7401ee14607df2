"""IPython/Jupyter: the `%auditql` magic and the result object a notebook cell gets."""
