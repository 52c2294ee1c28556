"""Helpers shared by rules of several families: JSON bodies with positions
(`jsonedit`), edits to well-known bodies in proxy configs (`wkedit`), which upstream
is which service (`roles`), service environments and secrets (`services`), and
Synapse as the rules see it (`synapse_view`).
"""
