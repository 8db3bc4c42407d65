"""The care team's side of Stride: incidents a supervisor can act on, messages relayed
between a supervisor and a patient, invitations, the caseload, plan adjustments, and the
supervisor's own command menu. Only configured supervisors reach any of it."""
