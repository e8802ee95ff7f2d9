"""Setting an audit up: the audit folder, rosters, case sampling and the restricted store.

``workspace`` creates and opens an audit folder (``maa new-audit``) and holds its lock;
``rosters`` and ``csvtable`` read the officer's CSV files; ``sampling`` draws cases
reproducibly; ``restricted`` keeps children's names and dates of birth apart.
"""
