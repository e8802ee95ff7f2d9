"""``maa demo``: a whole questionnaire and a whole case audit, filled in and reported, as a show home.

Not part of the core: nothing outside this package imports it except the CLI.
"""
