"""Importers for cadastre data (ALKIS Flurstücke) and vector files."""
