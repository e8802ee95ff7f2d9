"""Definitions: what an audit tool and an audit are, read from YAML into pydantic models.

``tool`` (questions, sections, conditions) and ``audit`` (audit.yaml) are the models;
``scales`` the built-in answer scales; ``yamlio`` reads YAML strictly, remembering lines;
``load`` turns validation errors into messages an officer can act on; ``catalog``
finds built-in tools and tool files. Nothing here touches an audit folder.
"""
