"""After a round: the leader's forecast, focus plan, word back and follow-up pulse.

The rules are pure modules at the package's top level (`forecast`, `focus`, `word_back`, `pulse`,
`pulse_compare`, `focus_history`); these modules load and store for them, one concern each:

- `survey`: a pulse's questions and how its "noticed a change" answers are stored;
- `access`: who may read or write what (the leader writes; the round's coach reads);
- `forecasts`: the leader's forecast while the round is open, and forecast against actual;
- `plans`: the focus plan after close, and its suggestions;
- `word_backs`: the message to everyone asked, once, and the page at the old open links;
- `pulses`: making a pulse from a round and its plan; opening it on its day;
- `pulse_results`: a pulse's report against its original round;
- `history`: earlier rounds' focus and follow-ups, for the next full round's report;
- `export`: all of it for the leader's data file.

Nothing here is imported by this package itself: `mail` imports `survey`, which must not pull
in the round services (they import the outbox, which imports `mail`).
"""
