"""Escalations to human supervisors: routing, durable delivery, acknowledgement."""
