"""The record model: fields, event layouts, the record and the code tables."""
