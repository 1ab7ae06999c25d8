"""Pure extractors: request kwargs, responses and errors in, `llm.*` attributes out.

They never raise on odd input shapes (missing fields, dicts instead of objects, None):
whatever cannot be read is left out, because an unknown value is absent, never 0 or "".
"""
