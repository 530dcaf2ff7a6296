"""FHIR R4 (4.0.1) export: pure builders from Vigil's rows to FHIR JSON dicts.

One module per resource family; `bundle` puts them together (the export collection and the
ED hand-off document). `record` is the only module that reads the database: it gathers one
patient's rows so that every builder stays a pure function of them (and of `now`).
"""
