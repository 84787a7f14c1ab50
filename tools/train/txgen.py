"""Synthetic payment transactions and their triage labels.

Every transaction is a dict of fields; `label()` derives the decision from
documented rules (see RULES below and models/README.md), and `render()`
writes the transaction in one of three surface forms:

  text  "Validate transaction: TXN_8829 of EUR 12,500.00 from DE to NG ..."
  kv    key=value lines
  xml   an ISO 20022 pacs.008-style CdtTrfTxInf fragment

Everything is driven by a `random.Random(seed)`, so a seed gives the same
transactions on every machine (Python's Mersenne Twister and its `random()`,
`randint()` and `choice()` are stable across versions for integer seeds).
The prompts are kept short because training cost grows with their length.
"""

import json
import random

CURRENCIES = ["USD", "EUR", "GBP", "CHF", "CAD", "AUD"]
# Domestic-heavy senders; receivers add the risky jurisdictions.
SENDERS = ["US", "GB", "DE", "FR", "NL", "ES", "IT", "CH", "CA", "AU", "SE", "PL"]
RECEIVERS = SENDERS + ["NG", "PA", "KY", "MM", "VE", "AE", "IN", "CN", "BR", "MX",
                       "IR", "KP", "SY", "CU"]
# Comprehensive sanctions: any transaction touching these is declined.
SANCTIONED = {"IR", "KP", "SY", "CU"}
# Higher-risk jurisdictions: a risk factor, not a block.
HIGH_RISK_COUNTRIES = {"NG", "PA", "KY", "MM", "VE"}
CHANNELS = ["web", "mobile", "api", "branch", "pos"]
# Channels where the customer is present: no device or IP hints exist.
IN_PERSON = {"branch", "pos"}
# Merchant categories: (free-text name, ISO 18245 merchant category code).
MERCHANTS = [("grocery", "5411"), ("fuel", "5541"), ("travel", "4722"),
             ("electronics", "5732"), ("utilities", "4900"), ("jewelry", "5944"),
             ("p2p", "4829"), ("crypto", "6051"), ("gambling", "7995"),
             ("giftcards", "5947")]
HIGH_RISK_MERCHANTS = {"crypto", "gambling", "giftcards"}
DEVICES = ["known", "new"]
IPS = ["match", "mismatch", "proxy", "tor"]

# Reason codes in the order they are listed in a decision, with the points
# each adds to the base score of 5. The order is fixed so the output is a
# function of the input.
RULES = [
    ("AMOUNT_HIGH", 30),        # amount >= 10,000 (nominal, any currency)
    ("AMOUNT_ELEVATED", 15),    # 3,000 <= amount < 10,000
    ("NEW_BENEFICIARY", 20),    # beneficiary added < 7 days ago, or age unknown
    ("HIGH_VELOCITY", 20),      # >= 10 payments in the last 24 hours
    ("HIGH_RISK_COUNTRY", 20),  # sender or receiver in HIGH_RISK_COUNTRIES
    ("HIGH_RISK_MERCHANT", 15), # crypto, gambling, gift cards
    ("UNUSUAL_HOUR", 10),       # local time 00:00-04:59
    ("NEW_DEVICE", 10),         # remote channel, device new or not reported
    ("IP_MISMATCH", 10),        # remote channel, IP country differs
    ("ANONYMIZER", 25),         # remote channel, IP via proxy or TOR
]
POINTS = dict(RULES)
REASON_CODES = [code for code, _ in RULES] + ["SANCTIONED_COUNTRY"]
BASE_SCORE = 5
APPROVE_BELOW = 40   # score < 40: APPROVE
DECLINE_FROM = 70    # score >= 70: DECLINE; in between: REVIEW
SANCTIONED_SCORE = 99
FORMS = ["text", "kv", "xml"]


def _amount(rng):
    """An amount in cents, spread over the bands with extra mass at the
    thresholds, where the decision is hardest to read."""
    r = rng.random()
    if r < 0.08:  # near a threshold, on either side
        edge = rng.choice([3000, 10000])
        cents = edge * 100 + rng.randint(-25000, 25000)
    elif r < 0.55:
        cents = rng.randint(500, 299999)
    elif r < 0.82:
        cents = rng.randint(300000, 999999)
    else:
        cents = rng.randint(1000000, 9500000)
    return max(cents, 100)


def make_transaction(rng):
    """One random transaction. Optional hints are sometimes missing: the
    rules then assume the worse case (ambiguous on purpose)."""
    t = {"id": "TXN_%04d" % rng.randint(0, 9999)}
    t["amount_cents"] = _amount(rng)
    t["currency"] = rng.choice(CURRENCIES)
    t["from"] = rng.choice(SENDERS)
    r = rng.random()
    if r < 0.45:
        t["to"] = t["from"]
    elif r < 0.05 + 0.45:
        t["to"] = rng.choice(sorted(SANCTIONED))
    else:
        t["to"] = rng.choice(RECEIVERS)
    t["channel"] = rng.choice(CHANNELS)
    t["merchant"] = rng.choice(MERCHANTS[:7]) if rng.random() < 0.8 else rng.choice(MERCHANTS[7:])
    t["merchant"] = t["merchant"][0]
    if rng.random() < 0.92:
        t["benef_age_days"] = (rng.randint(0, 6) if rng.random() < 0.25
                               else rng.randint(7, 2000))
    t["velocity_24h"] = rng.randint(10, 30) if rng.random() < 0.15 else rng.randint(0, 9)
    hour = rng.randint(0, 4) if rng.random() < 0.18 else rng.randint(5, 23)
    t["time"] = "%02d:%02d" % (hour, rng.randint(0, 59))
    if t["channel"] not in IN_PERSON:
        if rng.random() < 0.93:
            t["device"] = "new" if rng.random() < 0.22 else "known"
        r = rng.random()
        t["ip"] = ("tor" if r < 0.03 else "proxy" if r < 0.08 else
                   "mismatch" if r < 0.23 else "match")
    return t


def label(t):
    """The decision, risk score and reason codes the rules give."""
    if t["from"] in SANCTIONED or t["to"] in SANCTIONED:
        return {"reason_codes": ["SANCTIONED_COUNTRY"], "risk_score": SANCTIONED_SCORE,
                "decision": "DECLINE"}
    hits = set()
    a = t["amount_cents"]
    if a >= 1000000:
        hits.add("AMOUNT_HIGH")
    elif a >= 300000:
        hits.add("AMOUNT_ELEVATED")
    if t.get("benef_age_days", 0) < 7:  # unknown counts as new
        hits.add("NEW_BENEFICIARY")
    if t["velocity_24h"] >= 10:
        hits.add("HIGH_VELOCITY")
    if t["from"] in HIGH_RISK_COUNTRIES or t["to"] in HIGH_RISK_COUNTRIES:
        hits.add("HIGH_RISK_COUNTRY")
    if t["merchant"] in HIGH_RISK_MERCHANTS:
        hits.add("HIGH_RISK_MERCHANT")
    if int(t["time"][:2]) < 5:
        hits.add("UNUSUAL_HOUR")
    if t["channel"] not in IN_PERSON:
        if t.get("device", "new") == "new":
            hits.add("NEW_DEVICE")
        if t["ip"] == "mismatch":
            hits.add("IP_MISMATCH")
        elif t["ip"] in ("proxy", "tor"):
            hits.add("ANONYMIZER")
    codes = [c for c, _ in RULES if c in hits]
    score = min(BASE_SCORE + sum(POINTS[c] for c in codes), 98)
    decision = ("APPROVE" if score < APPROVE_BELOW else
                "DECLINE" if score >= DECLINE_FROM else "REVIEW")
    return {"reason_codes": codes, "risk_score": score, "decision": decision}


def _money(cents, commas):
    whole, frac = divmod(cents, 100)
    return ("{:,}".format(whole) if commas else str(whole)) + ".%02d" % frac


def _mcc(name):
    return dict(MERCHANTS)[name]


def render(t, form):
    """The transaction as a prompt in the given surface form."""
    if form == "text":
        parts = ["Validate transaction: %s of %s %s from %s to %s via %s, merchant %s" % (
            t["id"], t["currency"], _money(t["amount_cents"], True), t["from"], t["to"],
            t["channel"], t["merchant"])]
        if "benef_age_days" in t:
            parts.append("beneficiary added %d days ago" % t["benef_age_days"])
        parts.append("%d payments in 24h" % t["velocity_24h"])
        parts.append("at %s" % t["time"])
        if "device" in t:
            parts.append("%s device" % t["device"])
        if "ip" in t:
            parts.append("IP %s" % t["ip"])
        return ", ".join(parts) + "."
    if form == "kv":
        lines = ["txn=" + t["id"], "amount=" + _money(t["amount_cents"], False),
                 "currency=" + t["currency"], "from=" + t["from"], "to=" + t["to"],
                 "channel=" + t["channel"], "mcc=" + _mcc(t["merchant"])]
        if "benef_age_days" in t:
            lines.append("benef_age_days=%d" % t["benef_age_days"])
        lines.append("velocity_24h=%d" % t["velocity_24h"])
        lines.append("time=" + t["time"])
        if "device" in t:
            lines.append("device=" + t["device"])
        if "ip" in t:
            lines.append("ip=" + t["ip"])
        return "\n".join(lines)
    if form == "xml":
        s = ("<CdtTrfTxInf><PmtId><TxId>%s</TxId></PmtId>"
             "<IntrBkSttlmAmt Ccy=\"%s\">%s</IntrBkSttlmAmt>"
             "<Dbtr><Ctry>%s</Ctry></Dbtr><Cdtr><Ctry>%s</Ctry></Cdtr>"
             "<Chnl>%s</Chnl><MCC>%s</MCC>") % (
                 t["id"], t["currency"], _money(t["amount_cents"], False), t["from"], t["to"],
                 t["channel"].upper(), _mcc(t["merchant"]))
        if "benef_age_days" in t:
            s += "<BenfAge>%d</BenfAge>" % t["benef_age_days"]
        s += "<Vel24h>%d</Vel24h><Tm>%s</Tm>" % (t["velocity_24h"], t["time"])
        if "device" in t:
            s += "<Dev>%s</Dev>" % t["device"]
        if "ip" in t:
            s += "<IP>%s</IP>" % t["ip"]
        return s + "</CdtTrfTxInf>"
    raise ValueError("unknown form " + form)


def policy_input(t):
    """The request fields the policy's rules read (examples/fraud-triage)."""
    d = {"txn_id": t["id"], "amount": _money(t["amount_cents"], False),
         "currency": t["currency"], "sender_country": t["from"],
         "receiver_country": t["to"], "channel": t["channel"], "merchant": t["merchant"],
         "velocity_24h": t["velocity_24h"], "time": t["time"]}
    if "benef_age_days" in t:
        d["beneficiary_age_days"] = t["benef_age_days"]
    if "device" in t:
        d["device"] = t["device"]
    if "ip" in t:
        d["ip"] = t["ip"]
    return d


def output_text(lab):
    """The decision exactly as the model writes it: compact JSON in the
    schema's property order (lithium's constrained output has no spaces)."""
    return json.dumps(lab, separators=(",", ":"))


def dataset(seed, n):
    """n (form, prompt, output, transaction) examples; the form cycles so
    every form gets a third."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        t = make_transaction(rng)
        form = FORMS[i % 3]
        out.append((form, render(t, form), output_text(label(t)), t))
    return out


if __name__ == "__main__":
    import collections
    import sys
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    data = dataset(1, n)
    for form, p, o, _ in data[:9]:
        print(repr(p)); print("  ->", o)
    c = collections.Counter(json.loads(o)["decision"] for _, _, o, _ in data)
    print(c)
