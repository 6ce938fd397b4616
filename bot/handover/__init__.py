"""Handover to human operators: queue, routing, agent sessions, CSAT."""

from __future__ import annotations
