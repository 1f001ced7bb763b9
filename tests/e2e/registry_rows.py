"""registry_rows: one summary row of a registry batch (docs/registry.md),
as the synthetic clinics of the registry's tests (t0949-registry-lib.bash,
gen_batch) and of its benchmark (bench/registry-simulate.py) write it.

Clearly synthetic: references are hex pseudonyms, numbers are drawn.
"""


def summary_row(rnd, k, episode, practitioner, protocol, instrument, mcid,
                start_year, base, discharge, complete, reason, age, sex,
                chronicity, comorbidities):
    """The row of episode number k (its reference episode) for instrument
    (with its MCID, or None): the improvement is base - discharge when
    complete; a responder is one whose improvement reaches the MCID. Draws
    from rnd, in this order: the follow-up score (every third complete
    episode), the sessions, then the sessions to response (when a
    responder is known)."""
    imp = (base - discharge) if complete else None
    resp = (1 if imp >= mcid else 0) if (complete and mcid) else None
    fu = rnd.randint(0, 40) / 4.0 if complete and k % 3 == 0 else None
    return {
        "episode": episode, "practitioner": practitioner, "protocol": protocol,
        "instrument": instrument, "role": "primary" if instrument == "nprs" else "secondary",
        "icd10_category": "M54", "start_year": start_year, "sessions": rnd.randint(1, 12),
        "baseline": base, "discharge": discharge, "followup": fu, "improvement": imp,
        "followup_days": 42 if fu is not None else None,
        "responder": resp, "response_event": resp,
        "sustained": (1 if fu is not None and resp else None) if resp is not None else None,
        "sessions_to_response": rnd.randint(1, 8) if resp is not None else None,
        "has_followup": 1 if fu is not None else 0, "complete": complete,
        "incomplete_reason": reason, "age": age, "sex": sex,
        "chronicity_weeks": chronicity, "comorbidities": comorbidities}
