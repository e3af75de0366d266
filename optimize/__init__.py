"""Solvers and the planning pipeline: siting, fleet allocation and routing on OR-Tools."""
