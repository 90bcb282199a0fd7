"""Tolerant cleaning of what officers and schools type into the sheet and the form.

Thai digits, invisible spaces, display names around e-mail addresses, phone numbers that a
spreadsheet turned into integers and cells that Excel would run as formulas are all normal
input here; every function takes them in its stride. Standard library only. By topic:

* ``thai``: digits, invisible characters, vowel order, yes/no words, school-name keys;
* ``headers``: sheet column headers as typed;
* ``lines``: one-line and multi-line cell text, cut at a Thai character cluster;
* ``addresses``: e-mail addresses (display names, Thai separators, domain typos);
* ``phones``: Thai phone numbers;
* ``files``: safe file names and cells a spreadsheet would run as formulas.
"""
