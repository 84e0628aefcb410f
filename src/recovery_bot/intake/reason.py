"""Judge the free-text "Reason for request" of an account-recovery issue (pure).

Three questions, each a pure function that never raises:

* ``classify_reason``: which access did the opener lose? ``lost_email`` (the mailbox on
  file is unreachable), ``lost_2fa`` (authenticator app, security key or passkey gone),
  ``both``, or ``unclear`` (forgotten password or username only, deletion wishes,
  compromise, third-party accounts, vague or empty text, languages we cannot read).
* ``mentions_having_recovery_codes``: does the opener say they still *have* recovery
  codes? (The form forces everyone to tick "I never generated or have lost access to the
  recovery codes", so the text is the only place the contradiction shows.)
* ``contains_email_address``: is a literal address pasted in the text? The bot must ask
  for it to go to the support inbox instead, and must never repeat it.

How the classifier works (why it is not a bag of words)
-------------------------------------------------------
The text is cut into clauses (sentences, lines, and at "but", "however", "although"...),
because "I still have my e-mail but lost my phone" says opposite things about two
things. In each clause one scan over the rule table ``_RULES`` finds *topics* (e-mail
words, 2FA words, phone/device words), *cues* (``loss`` such as "lost", "expired", "no
longer have access to"; ``ok`` such as "still have access to", "is fine"), *negators*
("not", "never", "n't") and *blocks* (objects such as "password" or "account" that a
cue must not reach past: "I lost my password to PyPI, e-mail me" is no lost e-mail).
Each cue is attached to the nearest allowed topic within a few words (preferring the
cue's natural side: "lost **my phone**", "**the domain** expired"), spreading over
coordinations ("lost my e-mail **and** 2FA"). A negator just before a cue
flips it ("I have **not** lost my e-mail" is ok; "I do**n't** have access to my e-mail"
is a loss). A lost phone or device counts as lost 2FA. For each side, explicit ok
statements win ties against losses, so "2FA is fine" cancels a pasted template bullet.

Decisions worth knowing
-----------------------
* **Unverified e-mail is not lost e-mail.** "I never received the verification e-mail"
  or "my address is unverified" says nothing about the mailbox being unreachable, so it
  is ``unclear`` (pypi/support handles it with the "unverified email" label and a
  confirm-by-mail reply, not as a recovery). It becomes ``lost_email`` only with a
  stated loss: a typo or wrong address at sign-up, a closed/expired mailbox or domain,
  "I can't receive mail at that address" / "no longer receive mail there", a former
  employer or school. (Messages such as "the verification/reset e-mail" are never the
  mailbox: "I can't receive the verification e-mail" stays ``unclear``.)
* "Forgot my password" alone is ``unclear``; "forgot the password *of my e-mail*" is
  ``lost_email``.
* A request to reset or disable 2FA, or having left a company or university, is only
  *weak* evidence: it counts when nothing stronger points the other way.
* Accounts of somebody else (a former employee, a colleague who left, a person who
  passed away) are ``unclear`` whatever else is said: they are ownership questions.
* A few precise non-English phrases (Chinese, Japanese, Korean, Portuguese, Spanish,
  Russian) are recognised; anything else non-English is ``unclear``.
"""

from __future__ import annotations

import json
import logging
import re
import zlib
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from recovery_bot.core.lazy_re import LazyPattern

log = logging.getLogger(__name__)

ReasonClass = Literal["lost_email", "lost_2fa", "both", "unclear"]

# Topics. A lost DEVICE (phone, tablet...) is reported as lost 2FA; an "ok" statement
# about a device ("I have a new phone") says nothing about 2FA and is ignored.
# A literal address (ADDR) counts as the e-mail for a loss ("alice@x.com no longer
# works") but not for an "ok": the addresses people say work are usually other ones ("we
# confirmed that a@x and b@y are working", "I only have access to c@z now").
EMAIL, TFA, DEVICE, ADDR = "email", "2fa", "device", "addr"
_ALL = frozenset({EMAIL, TFA, DEVICE, ADDR})
_E = frozenset({EMAIL, ADDR})
_TD = frozenset({TFA, DEVICE})
_D = frozenset({DEVICE})

_SIDE = {EMAIL: EMAIL, ADDR: EMAIL, TFA: TFA, DEVICE: TFA}

# Reasons longer than this are cut: the first 20k characters always say what happened.
_MAX_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class _Rule:
    """One row of the rule table.

    kind: ``topic`` (a mention of ``topic``), ``loss`` / ``ok`` (a cue), ``neg`` (a
    negator), ``negloss`` ("no", "without": a loss of what directly follows and a
    negator of the next cue), ``block`` (a noun that is the object of a cue but not a
    topic, such as "password" or "recovery codes": "I lost my password" must not reach
    a later "e-mail"), ``split`` (a contrast word that ends a clause), ``third``
    (somebody else's account), ``skip`` (consume harmless phrases that contain topic or
    cue words, such as "e-mail me" or "IP address").
    """

    kind: str
    pattern: str
    topic: str | None = None
    allowed: frozenset[str] = _ALL  # topics a cue may attach to
    prefer: str = "after"  # side of the cue where its topic usually is
    window: int = 6  # words between cue and topic, at most
    weak: bool = False
    implied: str | None = None  # topic assumed when nothing attaches
    negatable: bool = True  # False when the cue already contains its own negation
    both_sides: bool = True  # False: the topic must be on the ``prefer`` side
    cjk: bool = False  # no \b word boundaries around CJK text
    pronoun: bool = True  # may reach the previous topic through "it", "which", "this"


# The rule table. Order matters: at each position the first rule that matches wins, so
# longer, more specific phrases come first. Patterns run on lower-cased text with
# straight apostrophes. Comments say what each row is for.
_RULES: tuple[_Rule, ...] = (
    # --- Clause boundaries inside a sentence ------------------------------------------
    _Rule("split", r"but|however|although|though|whereas|except|yet|while|so\s+that|so|"
          r"after|before|when|until|unless|mas|pero"),
    # --- Things that look like topics or cues but are not -----------------------------
    # Messages *about* e-mail, not the mailbox: "the verification e-mail expired". They
    # block like objects: "can't receive the verification e-mail at my address" is not a
    # lost mailbox.
    _Rule("block", r"(?:verification|verify|confirmation|confirm|activation|validation|"
          r"password[- ]reset|reset|recovery|notification|welcome)\s+(?:e-?mails?|mails?|links?)"),
    _Rule("block", r"(?:e-?mail|address)\s+(?:verification|confirmation|validation)"),
    _Rule("block", r"password[- ]reset|reset\s+(?:my\s+|the\s+)?password|reset\s+links?"),
    # A *new* address is not the lost one: "I can access my new e-mail" is no "ok".
    _Rule("block", r"(?:new|current|another|different|alternate|alternative|secondary|"
          r"updated|preferred|replacement|other)\s+(?:(?:personal|work|gmail)\s+)?"
          r"(?:e-?mail|mail|address)(?:\s+address)?"),
    _Rule("skip", r"(?:e-?mail|contact|reach|write\s+to)\s+me\b|ip\s+address|"
          r"(?:home|postal|mailing)\s+address|api\s+tokens?|trusted\s+publish\w*"),
    # "my e-mail was never verified", "unverified address": the mailbox is there, PyPI
    # just never had it confirmed; no cue may read it as lost.
    _Rule("block", r"(?:e-?mail(?:\s+address)?|address)\s+(?:(?:is|was|has|had|have)\s+)?"
          r"(?:not|never|isn't|wasn't|hasn't|hadn't|haven't)\s+(?:been\s+|yet\s+)?(?:verified|"
          r"confirmed|validated|activated|authenticated)(?:\s+yet)?|unverified\s+"
          r"(?:e-?mail(?:\s+address)?|address)|(?:e-?mail(?:\s+address)?|address)\s+"
          r"(?:is|was)\s+unverified"),
    # Logging in "from a new device / computer" is what triggers PyPI's device check,
    # not a replaced phone.
    _Rule("skip", r"(?:from|on|using|with|because\s+of|due\s+to|it's|it\s+is|as)\s+(?:a\s+|my\s+|"
          r"the\s+)?new\s+(?:devices?|computers?|"
          r"laptops?|browsers?|machines?|pcs?|locations?)"),
    # PyPI's new-device check ("unrecognized login", "confirm this new device") is about
    # the e-mail link, not about a changed phone.
    _Rule("skip", r"(?:new\s*/\s*|new\s+or\s+(?:previously\s+)?)?unrecogni[sz]ed\s+"
          r"(?:devices?|browsers?|log\s?ins?|sign[- ]?ins?|locations?)|"
          r"(?:confirm|verify|approve|authori[sz]e|trust)\s+(?:(?:the|this|a|my|that|any)\s+)?"
          r"new\s+(?:devices?|log\s?ins?|browsers?|locations?)|"
          r"new\s+(?:devices?|log\s?ins?|browsers?)\s+(?:verification|confirmation|check|"
          r"e-?mails?|links?)"),
    _Rule("skip", r"(?:without|with\s+no)\s+(?:any\s+)?(?:issues?|problems?|trouble|delay)"),
    # "(freshly reset)" after a password; "I only have access to <new address> now".
    _Rule("skip", r"(?:freshly|just|newly|recently)\s+reset|"
          r"only\s+(?:have|has)\s+(?:access\s+to)?"),
    # PyPI has no SMS 2FA: a phone *number* is not the authenticator.
    _Rule("block", r"(?:phone|mobile|cell|telephone)\s+numbers?"),
    # --- Somebody else's account: an ownership question, never a recovery -------------
    _Rule("third", r"(?:our|the|my|his|her|their)\s+(?:former|ex-?|previous|old)\s*"
          r"(?:employee|colleague|co-?worker|developer|dev|maintainer|team\s*member|staff"
          r"|engineer|contractor|intern|admin(?:istrator)?)s?(?!\s+accounts?)"),
    _Rule("third", r"(?:employee|colleague|co-?worker|developer|maintainer|person)s?\s+"
          r"(?:who|that)\s+(?:[\w'-]+\s+){0,6}?(?:left|quit|passed)"),
    _Rule("third", r"(?:he|she|they)\s+(?:has\s+|have\s+|had\s+)?(?:left|quit)\s+"
          r"(?:the\s+|our\s+)?(?:company|organi[sz]ation|team|project|job)"),
    _Rule("third", r"passed\s+away|deceased|on\s+behalf\s+of"),
    # "Someone from our organisation created the account (and left)".
    _Rule("third", r"(?:someone|somebody|a\s+person|a\s+member|an\s+employee)\s+"
          r"(?:from|in|of|at)\s+(?:our|the|my)\s+(?:organi[sz]ation|company|team|group|lab|"
          r"department)"),
    # --- Objects that stop a cue from reaching a topic further away --------------------
    _Rule("block", r"(?:(?:2fa|backup|recovery)\s+)?(?:recovery|backup)\s+(?:codes?|keys?)"),
    _Rule("block", r"passwords?|username|user\s+name|(?:pypi\s+)?account|projects?|"
          r"packages?|repo(?:sitory)?|github"),
    # --- Weak e-mail evidence: a former job or school (the work address went with it) ---
    _Rule("loss", r"(?:left|quit|leaving|departed\s+from)\s+(?:the\s+|my\s+|our\s+|that\s+|"
          r"a\s+|this\s+)?(?:previous\s+|former\s+|old\s+)?(?:company|job|employer|"
          r"university|uni|school|college|organi[sz]ation|org|firm|workplace|institution|"
          r"institute|lab|position|role|academia|employment)",
          allowed=_E, prefer="before", implied=EMAIL, weak=True),
    # "I no longer work there" (not "the reset requests do not work": a preposition or
    # "anymore" must follow "work"/"study").
    _Rule("loss", r"(?:no\s+longer|not\s+anymore|don't|do\s+not)\s+(?:(?:work|study|working|"
          r"studying)\s+(?:at|for|with|by|there|in|anymore)|employed|affiliated)|graduated|"
          r"(?:changed|switched|lost)\s+(?:my\s+)?(?:jobs?|employers?|companies|schools?)|"
          r"(?:former|previous|ex-?|old)\s+"
          r"(?:employer|job|company|university|school|college|workplace|institution)",
          allowed=_E, prefer="before", implied=EMAIL, weak=True),
    # --- The form's own option text, pasted: says nothing about this reporter ------------
    _Rule("skip", r"i\s+never\s+generated\s+or\s+have\s+lost\s+access\s+to\s+the\s+recovery\s+"
          r"codes(?:\s+for\s+my\s+account)?"),
    # --- No recovery codes, a 2FA prompt they cannot answer, a failed authenticator
    # migration: weak 2FA evidence (people mention codes when the 2FA is what blocks) ---
    _Rule("loss", r"(?:no|lost|without|(?:don't|do\s+not|didn't|did\s+not)\s+have|never\s+"
          r"(?:generated|saved|had|created|set\s+up)|(?:haven't|have\s+not|hasn't|not)\s+"
          r"(?:generated|saved|created)|(?:couldn't|could\s+not|can't|cannot)\s+find)\s+"
          r"(?:\w+\s+){0,2}?(?:recovery|backup)\s+(?:codes?|keys?)",
          allowed=frozenset(), implied=TFA, weak=True, negatable=False),
    _Rule("loss", r"(?:requires?|requiring|asks?\s+(?:me\s+)?for|asking\s+(?:me\s+)?for|"
          r"prompts?\s+(?:me\s+)?for)\s+(?:an?\s+|the\s+|my\s+|such\s+)?(?:2fa\s+|"
          r"two[- ]factor\s+|authentication\s+|otp\s+|totp\s+|6[- ]digit\s+|mfa\s+)?codes?",
          allowed=frozenset(), implied=TFA, weak=True, negatable=False),
    _Rule("loss", r"(?:migration|migrating|transfer|transferring|export|exporting|sync\w*|"
          r"import|importing)\s+(?:\w+\s+){0,2}?(?:failed|fails|didn't\s+work|did\s+not\s+"
          r"work|went\s+wrong)", allowed=_TD, implied=TFA, weak=True, negatable=False),
    # "the codes are always invalid" (authenticator codes; recovery codes are blocked).
    _Rule("loss", r"(?:the|my|all)\s+(?!(?:recovery|backup)\b)(?:\w+\s+)?codes?\s+(?:are|is|"
          r"were|was|keep|kept)\s+(?:\w+\s+)?(?:invalid|wrong|incorrect|rejected|not\s+"
          r"accepted|not\s+working|failing)", allowed=frozenset(), implied=TFA,
          negatable=False),
    # --- Requests to reset 2FA: weak 2FA evidence --------------------------------------
    _Rule("loss", r"(?:reset|disable|remove|turn\s+off|deactivate|bypass|recover)\s+"
          r"(?:the\s+|my\s+)?(?:2fa|two[- ]factor(?:\s+authentication)?|mfa|totp)",
          allowed=frozenset(), implied=TFA, weak=True),
    # --- "Forgot the password of my e-mail" = the mailbox is gone ----------------------
    _Rule("loss", r"forg[oe]t+(?:en)?\s+(?:the\s+|my\s+)?(?:e-?mail|mailbox|gmail|outlook|"
          r"hotmail|yahoo)(?:\s+account)?\s+password|forg[oe]t+(?:en)?\s+(?:the\s+|my\s+)?"
          r"password\s+(?:to|for|of)\s+(?:my\s+|the\s+|that\s+)?(?:e-?mail|mailbox|gmail|"
          r"outlook|hotmail|yahoo)", allowed=frozenset(), implied=EMAIL),
    # --- Loss cues that carry their own negation ---------------------------------------
    _Rule("loss", r"(?:can't|cannot|can\s+not|couldn't|could\s+not|unable\s+to|not\s+able\s+to|"
          r"no\s+way\s+to|impossible\s+to|won't\s+let\s+me|no\s+longer\s+able\s+to|"
          r"can\s+no\s+longer)\s+(?:\w+\s+){0,2}?(?:access|log\s*in(?:to)?|login|sign\s*in(?:to)?|"
          r"get\s+(?:in|into|to)|open|use|reach|recover|retrieve|read|check|generate|"
          r"get\s+(?:the\s+)?(?:codes?|otp)|find|receive|get)"
          # "I can't log in to change my e-mail": the address is the purpose, not the loss.
          r"(?:\s+(?:in\s+)?(?:order\s+)?to\s+(?:change|update|edit|fix|replace)\s+(?:my|the)\s+"
          r"(?:primary\s+|registered\s+|account\s+)?(?:e-?mail|address)(?:\s+address)?)?",
          negatable=False),
    _Rule("loss", r"no\s+longer\s+(?:receive|get)|(?:don't|do\s+not)\s+(?:receive|get)\s+"
          r"(?:\w+\s+){0,3}?anymore", allowed=_E, negatable=False),
    _Rule("loss", r"(?:no|without|lost)\s+(?:longer\s+)?(?:have\s+)?(?:any\s+)?access(?:\s+to)?|"
          r"no\s+longer\s+(?:have|has|own|use|control|possess|hold|got)|lost\s+control\s+of|"
          r"locked\s+out(?:\s+of)?|(?:don't|do\s+not|doesn't|does\s+not|no\s+longer)\s+"
          r"(?:\w+\s+)?(?:exist|work)s?|not\s+working|stopped\s+working|(?:isn't|aren't|"
          r"is\s+not|are\s+not|was\s+not|wasn't)\s+(?:\w+\s+)?(?:working|accessible|available|"
          r"reachable|valid|active)|no\s+longer\s+(?:valid|active|available|accessible|"
          r"reachable|in\s+use|exists?|works?|working)|won't\s+(?:work|turn\s+on|boot)",
          prefer="before", negatable=False),
    # "Changed phones and didn't transfer the authenticator", "codes weren't backed up".
    _Rule("loss", r"(?:didn't|did\s+not|forgot\s+to|failed\s+to|without|never|couldn't|"
          r"could\s+not|unable\s+to|wasn't\s+able\s+to)\s+(?:\w+\s+){0,2}?(?:transfer\w*|"
          r"migrat\w*|mov(?:e|ed|ing)|export\w*|back(?:ed|ing)?\s*up|backup|sync\w*|"
          r"cop(?:y|ied|ying)|sav(?:e|ed|ing)|restor\w*)", allowed=_TD, negatable=False),
    _Rule("loss", r"(?:wasn't|weren't|was\s+not|were\s+not|not|never)\s+(?:been\s+)?"
          r"(?:transferred|migrated|backed\s+up|synced|moved|copied|exported|restored|saved)",
          allowed=_TD, prefer="before", negatable=False),
    # --- "ok" cues (a negator before them turns them into losses) ----------------------
    _Rule("ok", r"still\s+(?:have|has|got|own|use|control)(?:\s+(?:full\s+|complete\s+)?"
          r"access(?:\s+to)?)?"),
    _Rule("ok", r"(?:have|has|got)\s+(?:full\s+|complete\s+)?access\s+to"),
    _Rule("ok", r"(?:can|am\s+able\s+to|is\s+able\s+to)\s+(?:still\s+)?(?:access|use|log\s*in"
          r"(?:to)?|login|sign\s*in(?:to)?|get\s+into|open|read|receive)"),
    _Rule("ok", r"(?:have|has)\s+(?:my|the|our|both)", allowed=_TD, window=3),
    _Rule("ok", r"(?:is|are|remains?|seems?|looks?|stays?)\s+(?:still\s+|completely\s+|"
          r"totally\s+|perfectly\s+)?(?:fine|ok|okay|working|accessible|intact|"
          r"unaffected|available|functional|reachable|good)|(?:still\s+)?works?\s+"
          r"(?:fine|ok|okay|perfectly|well)|still\s+works?",
          prefer="before"),
    _Rule("ok", r"no\s+(?:problems?|issues?)\s+with"),
    # "... left the company and have now returned": the work address is theirs again.
    _Rule("ok", r"(?:have|has|'ve)\s+(?:now\s+|since\s+)?(?:returned|rejoined|come\s+back)"
          r"(?!\s+(?:the|my|it|a|an|our|their|them)\b)", allowed=_E, implied=EMAIL,
          negatable=False, prefer="before", pronoun=False),
    # "I never set up 2FA", "a 2FA code that I never set up": nothing of a 2FA device to
    # lose (weighs against a prompt for a code).
    _Rule("ok", r"never\s+(?:set\s*up|enabled|activated|had|turned\s+on|configured)\s+"
          r"(?:any\s+|a\s+)?(?:2fa|two[- ]factor(?:\s+auth\w*)?|mfa|totp)|(?:2fa|two[- ]factor|"
          r"mfa|totp)(?:\s+codes?)?\s+(?:that|which)\s+i\s+(?:have\s+)?never\s+(?:set\s*up|"
          r"enabled|activated|configured)|(?:that|which)\s+i\s+(?:have\s+)?never\s+(?:set\s*up|"
          r"enabled|activated|configured)\b(?!\s+(?:my|the|a|an)\s)", allowed=frozenset(),
          implied=TFA, negatable=False,
          pronoun=False),
    # --- Topics -------------------------------------------------------------------------
    _Rule("topic", r"(?:2fa|tfa|mfa|2-fa|2\s?fa)(?:\s+(?:app|device|codes?|token|key|"
          r"authenticator|application|authentication))?|two[-\s]?factor(?:\s+auth\w*)?(?:\s+(?:app|device|"
          r"codes?))?|2[-\s]factor(?:\s+auth\w*)?|multi[-\s]?factor(?:\s+auth\w*)?|"
          r"second\s+factor|two[-\s]step(?:\s+verification)?|totp|h?otp|one[-\s]time\s+"
          r"(?:passwords?|codes?|passcodes?|pins?)|authenti(?:fi)?cat(?:or|ion)\s+(?:app|"
          r"application|device|codes?|token|software|program)s?|authenticators?|auth\s+app|"
          r"google\s+auth\w*|authy|"
          r"duo(?:\s+mobile)?|1password|bitwarden|lastpass|keepass\w*|aegis|freeotp|"
          r"andotp|raivo|ente\s+auth|yubi\s?keys?|yubikey\s+\w+|security\s+(?:keys?|tokens?|"
          r"devices?)|hardware\s+(?:keys?|tokens?)|fido2?|u2f|webauthn|passkeys?|"
          r"(?:security|auth|totp|otp|mfa)\s+codes?|tokens?|"
          r"(?:verification|authentication)\s+codes?",
          topic=TFA),
    _Rule("topic", r"emailaddr", topic=ADDR),
    _Rule("topic", r"e-?mail(?:\s+(?:address(?:es)?|account|inbox|box|provider|server|"
          r"domain|service))?|mail\s?box(?:es)?|inbox|mail(?:\s+(?:account|address|"
          r"server|provider|service))?|(?:the\s+)?address|domain(?:\s+name)?s?|gmail|"
          r"(?:google|microsoft|apple|yahoo|outlook|proton|zoho)\s+accounts?|"
          r"googlemail|outlook|hotmail|yahoo|protonmail|icloud|aol|gmx|yandex|"
          r"correo(?:\s+electr[oó]nico)?", topic=EMAIL),
    _Rule("topic", r"(?:smart\s?|cell\s?|mobile\s+|work\s+|company\s+)?phones?|"
          r"smartphones?|iphones?|android(?:\s+phone)?|mobile|cellphone|devices?|tablets?|"
          r"ipads?|sim(?:\s+card)?|celular|telefone|tel[eé]fono|m[oó]vil|telem[oó]vel",
          topic=DEVICE),
    # --- Loss cues ---------------------------------------------------------------------
    # "my old work e-mail", "the authenticator on my previous phone".
    # An adjective: "I don't have the old one" does not make "old" an "ok".
    _Rule("loss", r"old|former|previous|ex|outdated|obsolete", window=3, both_sides=False,
          pronoun=False, negatable=False),
    _Rule("loss", r"lost(?:\s+access(?:\s+to)?)?|lose|losing|loss\s+of|misplaced|missing|"
          r"can't\s+find|cannot\s+find|perdi|perdí|perdeu|perdido|perdida"),
    _Rule("loss", r"stolen|stole|theft|robbed|pickpocketed|roubad[oa]|roubaram|robad[oa]|"
          r"robaron", prefer="before"),
    _Rule("loss", r"broke|broken|smashed|cracked|damaged|died|dead|crashed|destroyed|fried|"
          r"drowned|bricked|malfunction\w*|faulty|defective|corrupt(?:ed)?|fell|dropped|"
          r"quebr\w+|rot[oa]", prefer="before"),
    _Rule("loss", r"wiped|erased|formatted|factory[-\s]?reset|reset|reinstall\w*|"
          r"re-install\w*|uninstall\w*|removed|cleared|restored", allowed=_TD, prefer="before"),
    _Rule("loss", r"deleted|gone|vanished|disappeared", prefer="before"),
    # "I forgot my e-mail address", "the associated address is unknown": the reporter
    # cannot say where the reset mail would go, so it cannot reach them.
    _Rule("loss", r"forg[oe]t+(?:en)?|(?:don't|do\s+not|can't|cannot|can\s+not)\s+"
          r"(?:remember|recall|know)(?:\s+(?:which|what))?|(?:not|n't)\s+(?:even\s+)?sure\s+"
          r"(?:which|what)|no\s+idea\s+(?:which|what)",
          allowed=_E, window=6, negatable=False, both_sides=False, pronoun=False),
    _Rule("loss", r"unknown", allowed=_E, prefer="before", window=3, negatable=False,
          both_sides=False, pronoun=False),
    _Rule("loss", r"expired|expire|expiring|lapsed|lapse|not\s+renew\w*|didn't\s+renew\w*|"
          r"did\s+not\s+renew\w*|let\s+(?:\w+\s+){0,3}?(?:lapse|expire|go)",
          allowed=_E, prefer="before"),
    _Rule("loss", r"closed|shut\s?down|shutting\s+down|discontinued|deactivated|disabled|"
          r"terminated|suspended|cancell?ed|revoked|defunct|ceased|retired|decommissioned|"
          r"switched\s+off|turned\s+off|taken\s+down|dissolved|out\s+of\s+business|"
          r"deprecated|abandoned|sunset|migrated\s+away|"
          r"bankrupt|inaccessible|unreachable|unavailable|bounc\w+",
          allowed=_E, prefer="before"),
    # "the 2FA code is not accepted", "my address is invalid".
    _Rule("loss", r"invalid|(?:not|never|no\s+longer)\s+(?:being\s+)?(?:accepted|"
          r"recogni[sz]ed)|rejected|refused", prefer="before", negatable=False),
    # "I don't have my phone anymore", "Authy doesn't show PyPI anymore".
    _Rule("loss", r"anymore|any\s+more", prefer="before", negatable=False),
    # "my e-mail account was hacked" (not "my account was hacked via e-mail").
    _Rule("loss", r"hacked|compromised|taken\s+over|hijacked", allowed=_E, prefer="before",
          both_sides=False),
    # Typos at sign-up: "registered with a misspelled address", "a typo in my e-mail".
    _Rule("loss", r"typo(?:ed|s)?|mistyped|misspel\w*|mis-spel\w*|typed\s+(?:it\s+)?wrong\w*|"
          r"spelled\s+wrong\w*|spelling\s+(?:error|mistake)|misprint",
          allowed=_E, implied=EMAIL),
    _Rule("loss", r"wrong|incorrect|mistaken|mistake|non-?existent|bogus|fake|made\s+up|"
          r"instead\s+of", allowed=_E),
    # New phone: "changed phones", "got a new phone", "returned the company phone".
    _Rule("loss", r"changed|switched|replaced|upgraded|swapped|new|sold|return(?:ed)?|"
          r"g[ai]ve\s+back|hand(?:ed)?\s+(?:back|in|over)|traded\s+in|left(?:\s+behind)?|"
          r"troquei|trocou|cambi[eé]", allowed=_D, window=3),
    # --- A few non-English phrases (only precise ones) ----------------------------------
    _Rule("topic", r"邮箱|邮件|電子郵件|电子邮件|郵箱|郵件|邮件地址|メールアドレス|メール|"
          r"이메일|메일", topic=EMAIL, cjk=True),
    _Rule("topic", r"二次验证|双重验证|双因素|双因子|两步验证|二步验证|两因素|身份验证器|"
          r"验证器|二段階認証|2段階認証|二要素認証|認証アプリ|2단계\s?인증|이중\s?인증|"
          r"인증\s?앱", topic=TFA, cjk=True),
    _Rule("topic", r"手机|手機|携帯|スマホ|スマートフォン|휴대폰|핸드폰|스마트폰|平板|"
          r"(?<=[^\x00-\x7f])(?:ipad|iphone|android)", topic=DEVICE, cjk=True),
    _Rule("loss", r"无法|不能|没法|没有办法|不再|丢失|丢了|弄丢|遗失|丢|被盗|坏了|损坏|"
          r"过期|停用|注销|换了|更换|登录不了|收不到|没有了|不见了|紛失|なくし|無くし|失くし|盗まれ|"
          r"壊れ|使えな|アクセスできな|ログインできな|機種変更|분실|잃어버|고장|접근할\s?수\s?없|"
          r"사용할\s?수\s?없", cjk=True, negatable=False),
    _Rule("topic", r"почт\w*|ящик\w*|электронн\w+\s+адрес\w*", topic=EMAIL),
    _Rule("topic", r"двухфакторн\w*|аутентификатор\w*|2фа", topic=TFA),
    _Rule("topic", r"телефон\w*|смартфон\w*", topic=DEVICE),
    _Rule("loss", r"потерял\w*|утерян\w*|утратил\w*|украли|сломал\w*|нет\s+доступа|"
          r"не\s+могу\s+(?:войти|получить\s+доступ|зайти)|"
          r"n[aã]o\s+tenho\s+(?:mais\s+)?acesso|sem\s+acesso|n[aã]o\s+consigo\s+acessar|"
          r"no\s+tengo\s+(?:m[aá]s\s+)?acceso|sin\s+acceso|no\s+puedo\s+acceder",
          negatable=False),
    _Rule("topic", r"autenticador\w*|autentica[cç][aã]o\s+de\s+dois\s+fatores|dois\s+fatores|"
          r"doble\s+factor|dos\s+factores|dos\s+pasos", topic=TFA),
    # French ("codes de récupération", "double authentification", "l'adresse mail n'étant
    # pas opérationnelle").
    _Rule("block", r"codes?\s+de\s+(?:r[ée]cup[ée]ration|secours)"),
    _Rule("topic", r"double\s+authentification|authentification\s+(?:[àa]\s+)?(?:deux|2)\s+"
          r"facteurs|a2f|application\s+d'authentification|authentificateur", topic=TFA),
    _Rule("topic", r"(?:l')?adresse\s+(?:e-?)?mail|(?:l')?adresse\s+[ée]lectronique|courriel|"
          r"bo[iî]te\s+(?:e-?)?mail|messagerie", topic=EMAIL),
    _Rule("topic", r"t[ée]l[ée]phone|portable", topic=DEVICE),
    _Rule("loss", r"(?:j'ai\s+|nous\s+avons\s+|avons\s+|ai\s+)?perdu|vol[ée]|cass[ée]|"
          r"(?:n'ai|n'avons|n'a|n'est|ne\s+suis|ne\s+sommes)\s+plus(?:\s+acc[eè]s\s+[àa])?|"
          r"(?:n'[ée]tant|n'est|ne\s+sont)\s+(?:pas|plus)\s+(?:op[ée]rationnel\w*|"
          r"accessible\w*|valide\w*|actif\w*)|ne\s+fonctionne\s+plus|impossible\s+d'acc[ée]der",
          negatable=False),
    # "no authenticator", "without my phone": a loss of what directly follows, and a
    # negator for a cue right after it ("no" before "access" is handled above).
    _Rule("negloss", r"no|without|sem|sin", window=2, both_sides=False, pronoun=False),
    # --- Negators (flip the cue right after them) --------------------------------------
    _Rule("neg", r"not|never|nor|neither|cannot|(?:do|did|does|have|has|had|is|are|was|"
          r"were|ca|could|wo|would|should|must|ai)n't|dont|didnt|doesnt|"
          r"havent|hasnt|isnt|arent|wasnt|werent|cant|couldnt|wont|n[aã]o|nunca"),
)  # fmt: skip


# ---------------------------------------------------------------------------------------
# Speed: which rules can start at a word?
#
# Trying all rules at every word costs about 1 µs per word. Instead, each rule's possible
# first three characters are computed once from the stdlib parse tree of its pattern
# (``_rule_prefixes``), and a word only tries the rules whose prefixes fit its first three
# characters; most words try none. The result is exactly what one big alternation with
# word boundaries would find (a test checks this). Whitespace inside sentences is
# normalized to single spaces by ``_prepare``, which is what lets ``\s`` count as " ".
# Anything the analysis does not understand makes a rule "may start anywhere": slower,
# never wrong.

_K = 3
_Prefixes = set[tuple[str, bool]]  # (prefix, the node's match may continue after it)


def _concat(left: _Prefixes, right: _Prefixes) -> _Prefixes:
    out: _Prefixes = set()
    for a, a_open in left:
        if not a_open or len(a) >= _K:
            out.add((a[:_K], False))
            continue
        for b, b_open in right:
            ab = a + b
            out.add((ab[:_K], b_open and len(ab) < _K))
    return out


def _seq_prefixes(seq: object) -> _Prefixes:
    """Prefixes of a parsed sequence. ``open`` = complete so far, more may follow."""
    acc: _Prefixes = {("", True)}
    for op, av in seq:  # type: ignore[attr-defined]
        acc = _concat(acc, _node_prefixes(str(op), av))
        if not any(o for _, o in acc):
            break
    return acc


_ANYTHING: _Prefixes = {("", False)}  # unknown: may start with any character


def _node_prefixes(op: str, av: object) -> _Prefixes:
    if op == "LITERAL":
        return {(chr(av), True)}  # type: ignore[arg-type]
    if op == "IN":
        chars: set[str] = set()
        for sub_op, sub_av in av:  # type: ignore[attr-defined]
            name = str(sub_op)
            if name == "LITERAL":
                chars.add(chr(sub_av))
            elif name == "RANGE" and sub_av[1] - sub_av[0] < 64:
                chars.update(chr(c) for c in range(sub_av[0], sub_av[1] + 1))
            elif name == "CATEGORY" and str(sub_av) == "CATEGORY_SPACE":
                chars.add(" ")
            else:
                return _ANYTHING
        return {(c, True) for c in chars}
    if op == "BRANCH":
        out: _Prefixes = set()
        for alt in av[1]:  # type: ignore[index]
            out |= _seq_prefixes(alt)
        return out
    if op == "SUBPATTERN":
        return _seq_prefixes(av[-1])  # type: ignore[index]
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        lo, hi, sub = cast("tuple[int, int, object]", av)  # sre_parse: (min, max, body)
        body = _seq_prefixes(sub)
        acc: _Prefixes = set()
        cur: _Prefixes = {("", True)}
        for n in range(_K + 2):
            if n >= lo:
                acc |= cur
            acc |= {x for x in cur if not x[1]}
            cur = {x for x in cur if x[1]}
            if n >= hi or not cur:
                return acc
            cur = _concat(cur, body)
        return acc | {(x, False) for x, _ in cur}
    if op in ("AT", "ASSERT", "ASSERT_NOT"):
        return {("", True)}  # zero-width: ignoring the condition only widens the set
    return _ANYTHING


def _rule_prefixes(pattern: str) -> frozenset[str] | None:
    """First (up to) three characters a match can start with; None for "anything"."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        found = _seq_prefixes(_parser.parse(pattern))
    except Exception:  # pragma: no cover - depends on the interpreter's internals
        return None
    if any(p == "" for p, _ in found):
        return None
    return frozenset(p for p, _ in found)


def _build_index() -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    by_prefix: dict[str, list[int]] = {}
    anywhere: list[int] = []
    for i, rule in enumerate(_RULES):
        if rule.cjk:
            continue
        prefixes = _rule_prefixes(rule.pattern)
        if prefixes is None:
            anywhere.append(i)
            continue
        for p in prefixes:
            by_prefix.setdefault(p, []).append(i)
    return {k: tuple(v) for k, v in by_prefix.items()}, tuple(anywhere)


# The index is saved with the package (intake/reason_index.json, written by
# tools/gen_reason_index.py): building it parses every rule's pattern, which was an eighth
# of ``recovery-bot inspect``'s start-up. The file carries a fingerprint of the rule table;
# when a rule changes and the file was not regenerated, the index is built here instead
# (slower, never wrong), and tests/test_reason_dispatch.py fails until it is regenerated.
_INDEX_FILE = Path(__file__).with_name("reason_index.json")


def _fingerprint(rules: tuple[_Rule, ...]) -> str:
    """What the index depends on: each rule's position, pattern and CJK flag."""
    text = "\n".join(f"{i}\t{int(r.cjk)}\t{r.pattern}" for i, r in enumerate(rules))
    return f"{zlib.crc32(text.encode('utf-8')):08x}-{len(rules)}"


def index_document() -> dict[str, object]:
    """The saved index's contents (what tools/gen_reason_index.py writes)."""
    by_prefix, anywhere = _build_index()
    return {
        "fingerprint": _fingerprint(_RULES),
        "by_prefix": {k: list(v) for k, v in sorted(by_prefix.items())},
        "anywhere": list(anywhere),
    }


def _load_index() -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    try:
        doc = json.loads(_INDEX_FILE.read_text(encoding="utf-8"))
        if doc["fingerprint"] == _fingerprint(_RULES):
            by_prefix = {str(k): tuple(int(i) for i in v) for k, v in doc["by_prefix"].items()}
            return by_prefix, tuple(int(i) for i in doc["anywhere"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # missing or unreadable: build it (a test keeps the packaged file current)
    return _build_index()


_BY_PREFIX, _ANYWHERE = _load_index()
_RULE_OF = {f"r{i}": rule for i, rule in enumerate(_RULES)}


_NON_WORD = re.compile(r"\W")


def _trigger_pattern() -> re.Pattern[str]:
    """Word starts where at least one rule may begin, as a small trie of prefixes.

    The prefixes are cut at their first non-word character: a match consumes them, and
    must not swallow a later position where a rule may start ("e-" + "mail").
    """
    if _ANYWHERE:
        return re.compile(r"(?<!\w)\w")
    heads = {_NON_WORD.split(p, maxsplit=1)[0] for p in _BY_PREFIX}
    heads = {h for h in heads if h} or {""}
    by_first: dict[str, list[str]] = {}
    for h in sorted(heads, key=len, reverse=True):
        by_first.setdefault(h[0], []).append(re.escape(h[1:]))
    branches = [re.escape(c) + "(?:" + "|".join(rest) + ")" for c, rest in by_first.items()]
    return re.compile(r"(?<!\w)(?:" + "|".join(branches) + ")")


_TRIGGER = _trigger_pattern()
_CJK_MASTER = LazyPattern("|".join(f"(?P<r{i}>{r.pattern})" for i, r in enumerate(_RULES) if r.cjk))
_ALT_CACHE: dict[tuple[int, ...], re.Pattern[str]] = {}


_AT_CACHE: dict[str, re.Pattern[str] | None] = {}


def _rules_at(sentence: str, pos: int) -> re.Pattern[str] | None:
    """One alternation (table order) of the rules that may match at ``pos``, or None."""
    key = sentence[pos : pos + _K]
    try:
        return _AT_CACHE[key]
    except KeyError:
        pass
    idx: set[int] = set(_ANYWHERE)
    for j in range(1, len(key) + 1):
        idx.update(_BY_PREFIX.get(key[:j], ()))
    pat: re.Pattern[str] | None = None
    if idx:
        order = tuple(sorted(idx))
        pat = _ALT_CACHE.get(order)
        if pat is None:
            pat = re.compile("|".join(f"(?P<r{i}>{_RULES[i].pattern})(?!\\w)" for i in order))
            _ALT_CACHE[order] = pat  # at most one per subset the table yields
    if len(_AT_CACHE) < 50_000:  # bounded: arbitrary text must not grow it forever
        _AT_CACHE[key] = pat
    return pat


_HTML_COMMENT = LazyPattern(r"<!--.*?(?:-->|\Z)", re.S)
_FENCED = LazyPattern(r"```.*?(?:```|\Z)", re.S)
# A form option quoted as the name of a box ('I had to tick the "2FA codes lost"
# checkbox'): a reference to the form, not a statement.
_QUOTED_BOX = LazyPattern(
    r"\"[^\"\n]{1,80}\"\s+(?:check\s?-?box(?:es)?|box(?:es)?|option)\b|"
    # "... forcing me to check the box below stating I lost my recovery codes": the box's
    # words, not the reporter's (the codes stay named, for a later "I still have them").
    r"(?<=box)\s+(?:below\s+|above\s+)?(?:stating|saying|that\s+says|which\s+says)\s+"
    r"(?:that\s+)?i\s+(?:have\s+)?(?:lost|never\s+generated|don't\s+have|do\s+not\s+have)"
    r"(?:\s+or\s+have\s+lost(?:\s+access\s+to)?)?"
)
_CJK_LATIN_SEAM = LazyPattern(
    r"(?<=[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef])(?=[a-z0-9])|"
    r"(?<=[a-z0-9])(?=[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef])"
)
_SPACES = LazyPattern(r"[^\S\n\r]+")
_NO_RESPONSE = LazyPattern(r"_no response_", re.I)
_URL_RE = LazyPattern(r"\b(?:https?://|www\.)\S+", re.I)
# Addresses in the reason become one EMAIL topic word ("alice@x.com no longer works").
_ADDR_RE = LazyPattern(r"(?<![\w.+%-])[\w.+%-]{1,64}@[\w-]+(?:\.[\w-]+)+")
# Sentences: sentence ends, lines, brackets. Contrast words ("but", "however") split
# sentences further into clauses: they are the ``split`` rows of the rule table.
_SENTENCE_SPLIT = LazyPattern(r"[.!?;]+(?=\s|$)|[\n\r。！？；，、]+")
# Words allowed between two coordinated topics ("my e-mail and my 2FA app").
_CONNECT_RE = LazyPattern(
    r"(?:[\s,/&+]|\b(?:and|or|nor|as\s+well\s+as|plus|also|both|either|neither|my|the|"
    r"possibly|probably|maybe|perhaps|"
    r"our|its|their|to|access|even|along\s+with|together\s+with|with|"
    # French: "mon téléphone et l'accès à mon adresse mail".
    r"et|ou|mon|ma|mes|le|la|les|aussi)\b|l'acc[eè]s\s+[àa]|l'|[和与及跟也]|以及|还有)*$"
)
_HEDGE = LazyPattern(r"\b(?:may|might|maybe|perhaps|probably|possibly)\b")
_PAREN = LazyPattern(r"\([^()]{0,120}\)")
# "locked out of my account due to 2FA": the cause after a blocking object still counts.
_CAUSE_RE = LazyPattern(
    r"^\s*(?:,\s*)?(?:due\s+to|because\s+of|thanks\s+to|owing\s+to|because|as)\s+"
    r"(?:(?:i|my|the|a|of|lost|losing|no|not|having)\s+){0,3}$"
)
_PRONOUN_RE = LazyPattern(r"\b(?:it|its|it's|that|this|which|them|they|those|these|one)\b")
# "I have access to the e-mail, but not to the 2FA": an elliptical negation.
_ELLIPTIC_NOT = LazyPattern(r"\s*(?:not|no)\b")
_NEG_BARRIER = LazyPattern(r"[,:]|\b(?:and|or|then)\b")
_TYPO_UNLESS = LazyPattern(r"\b(?:username|user\s+name|password|name)\b")


@dataclass(slots=True)
class _Tally:
    """Per-side evidence: strong losses, weak losses, ok statements."""

    strong: int = 0
    weak: int = 0
    ok: int = 0


# The public functions are called one after another on the same reason text (gather_facts
# asks for the reason, the codes, the topics): the last text prepared and classified is
# kept, one entry each. A tuple swap is atomic, so threads at worst recompute.
_LAST_PREPARED: tuple[str, str] = ("", "")
_LAST_CLASSIFIED: tuple[str, ReasonClass] = ("", "unclear")


def _prepare(text: str) -> str:
    """Lower-case, straight apostrophes, no HTML comments, URLs or addresses as words."""
    global _LAST_PREPARED
    last = _LAST_PREPARED
    if last[0] == text and text:
        return last[1]
    t = _prepare_uncached(text)
    _LAST_PREPARED = (text, t)
    return t


def _prepare_uncached(text: str) -> str:
    t = text[:_MAX_CHARS]
    if "<!--" in t:
        t = _HTML_COMMENT.sub(" ", t)
    t = t.replace("’", "'").replace("‘", "'").replace("`", " ").replace("*", " ").lower()
    if "box" in t or "option" in t:
        t = _QUOTED_BOX.sub(" box about ", t)
    if not t.isascii():
        # "显示recovery code has been used": Latin words glued to CJK text get their word
        # boundaries back.
        t = _CJK_LATIN_SEAM.sub(" ", t)
    t = _SPACES.sub(" ", t)  # one kind of space: see _prefixes
    if "_no response_" in t:
        t = _NO_RESPONSE.sub(" ", t)
    if "://" in t or "www." in t:
        t = _URL_RE.sub(" link ", t)
    if "@" in t:
        t = _ADDR_RE.sub(" emailaddr ", t)
    return t


def _clauses(text: str) -> list[tuple[str, list[_Item]] | None]:
    """(clause text, its rule matches) for each clause; None marks a third-party account."""
    out: list[tuple[str, list[_Item]] | None] = []
    for sentence in _SENTENCE_SPLIT.split(text):
        if not sentence or sentence.isspace():
            continue
        items = _scan(sentence)
        if items is None:
            return [None]
        lo = 0
        current: list[_Item] = []
        for it in items:
            if it.rule.kind == "split":
                out.append(_rebase(sentence, lo, it.start, current))
                lo, current = it.end, []
            else:
                current.append(it)
        out.append(_rebase(sentence, lo, len(sentence), current))
    return out


def _rebase(sentence: str, lo: int, hi: int, items: list[_Item]) -> tuple[str, list[_Item]]:
    for it in items:
        it.start -= lo
        it.end -= lo
    return sentence[lo:hi], items


@dataclass(slots=True)
class _Item:
    rule: _Rule
    start: int
    end: int
    w0: int  # word index of the first word
    w1: int  # word index of the last word


def classify_reason(text: str | None) -> ReasonClass:
    """Which access the opener lost, judged from the "Reason for request" text.

    Nothing lost is ``unclear``: PyPI's new-device mail that does not reach a mailbox the
    reporter still reads is the ``new_device`` topic, never a 2FA loss (the device
    wording is skipped). Recovery codes that fail mean the 2FA device is what is missing:
    ``lost_2fa`` when nothing else is said.
    """
    if not isinstance(text, str) or not text.strip():
        return "unclear"
    try:
        found = _classify(text)
        if (
            found == "unclear"
            and ("code" in text.lower() or not text.isascii())
            and says_recovery_codes_fail(text)
            and not _new_device_blocked(_prepare(text))
        ):
            # Recovery codes stand in for the 2FA device only; unless what stops them is
            # PyPI's new-device mail (#9326), that is what is missing.
            return "lost_2fa"
        return found
    except Exception as exc:  # pragma: no cover - user text must never crash a delivery
        log.warning("classify_reason failed: %s", type(exc).__name__)
        return "unclear"


def _classify(text: str) -> ReasonClass:
    global _LAST_CLASSIFIED
    last = _LAST_CLASSIFIED
    if last[0] == text and text:
        return last[1]
    found = _classify_uncached(text)
    _LAST_CLASSIFIED = (text, found)
    return found


def _classify_uncached(text: str) -> ReasonClass:
    if "```" in text:
        # A fenced block is pasted output (PyPI's own notices, logs), not the reporter's
        # words: "you can trust new devices ... by using a security device as your 2FA
        # method" says nothing about what they lost.
        text = _FENCED.sub(" ", text)
    t = _prepare(text)
    tally = {EMAIL: _Tally(), TFA: _Tally()}
    email_mentioned = False
    last_topic: str | None = None  # for "... my phone. I lost it."
    for entry in _clauses(t):
        if entry is None:
            return "unclear"  # somebody else's account
        clause, items = entry
        topics = [it for it in items if it.rule.kind == "topic"]
        topic_starts = [it.start for it in topics]
        kinds = {it.rule.topic for it in topics}
        blocks = [it for it in items if it.rule.kind == "block"]
        negs = [it for it in items if it.rule.kind in ("neg", "negloss")]
        neg_ends = [it.end for it in negs]
        seen_topic = last_topic  # the latest topic before the current cue
        if any(tp.rule.topic in _E for tp in topics):
            email_mentioned = True
        if (
            topics
            and _ELLIPTIC_NOT.match(clause) is not None
            and not any(it.rule.kind in ("loss", "ok", "negloss") for it in items)
        ):
            # "..., but not my TestPyPI account (which uses the same e-mail)": only the
            # topics before the first other noun are what is "not" there.
            first_block = blocks[0].start if blocks else len(clause)
            for tp in topics:
                if tp.start > first_block:
                    break
                tally[_SIDE.get(tp.rule.topic or EMAIL, EMAIL)].strong += 1
        last_noun_codes = False
        for cue in items:
            kind = cue.rule.kind
            if kind == "topic":
                seen_topic = cue.rule.topic
                last_noun_codes = False
                continue
            if kind == "block" or (
                cue.rule.implied == TFA and "code" in clause[cue.start : cue.end]
            ):
                # A pronoun after another noun is about that noun: "I lost my recovery
                # codes but I still have them", "my password was compromised and I no
                # longer have access to it" are not about the e-mail named before.
                seen_topic, last_noun_codes = None, True
            if kind == "negloss":
                kind = "loss"
            elif kind not in ("loss", "ok"):
                continue
            negated = cue.rule.negatable and _negated(clause, cue, negs, neg_ends)
            polarity = kind if not negated else ("ok" if kind == "loss" else "loss")
            targets = _attach(clause, cue, topics, topic_starts, blocks)
            if not targets:
                targets = _fallback(clause, cue, kinds, seen_topic)
            for topic in targets:
                side = _SIDE[topic]
                if polarity == "ok":
                    if topic != DEVICE and topic != ADDR:
                        tally[side].ok += 1
                elif (cue.rule.weak and not negated) or _HEDGE.search(clause, 0, cue.start):
                    # "It may go to an e-mail account I lost access to": a guess.
                    tally[side].weak += 1
                else:
                    tally[side].strong += 1
        if last_noun_codes:
            last_topic = None
        elif topics:
            last_topic = topics[-1].rule.topic

    e, f = tally[EMAIL], tally[TFA]
    # Explicit "ok" statements win ties ("2FA is fine" beats a pasted template bullet).
    email_strong = e.strong > e.ok
    tfa_strong = f.strong > f.ok
    # Weak evidence (left a job, "please reset my 2FA") counts when nothing stronger
    # points the other way; a former job counts for e-mail when e-mail is mentioned.
    email_lost = email_strong or (e.weak > 0 and e.ok == 0 and (email_mentioned or not tfa_strong))
    tfa_lost = tfa_strong or (f.weak > 0 and f.ok == 0 and not email_strong)
    if email_lost and tfa_lost:
        return "both"
    if email_lost:
        return "lost_email"
    if tfa_lost:
        return "lost_2fa"
    return "unclear"


def _scan(sentence: str) -> list[_Item] | None:
    """All rule matches in a sentence with word positions; None for a third-party account.

    ``_TRIGGER`` finds, in C, the word starts where some rule may begin; only there are
    the rules that fit the word tried (``_rules_at``). Word positions are counted in
    spaces, which ``_prepare`` made single.
    """
    found: list[tuple[int, int, _Rule]] = []
    pos = 0
    for w in _TRIGGER.finditer(sentence):
        start = w.start()
        if start < pos:
            continue
        pat = _rules_at(sentence, start)
        m = pat.match(sentence, start) if pat is not None else None
        if m is not None:
            found.append((start, m.end(), _RULE_OF[m.lastgroup or ""]))
            pos = m.end()
    if not sentence.isascii():
        for m in _CJK_MASTER.finditer(sentence):
            found.append((m.start(), m.end(), _RULE_OF[m.lastgroup or ""]))
        found.sort(key=lambda f: f[0])
    items: list[_Item] = []
    count = sentence.count
    at, words = 0, 0  # running count of spaces before ``at``: linear, not quadratic
    for start, end, rule in found:
        if rule.kind == "skip":
            continue
        if rule.kind == "third":
            return None
        words += count(" ", at, start)
        w1 = words + count(" ", start, end - 1)
        items.append(_Item(rule, start, end, words, w1))
        at = start
    return items


def _negated(clause: str, cue: _Item, negs: list[_Item], neg_ends: list[int]) -> bool:
    """A negator within three words before the cue, with no comma or "and" between."""
    i = bisect_right(neg_ends, cue.start) - 1
    if i < 0:
        return False
    neg = negs[i]
    if cue.w0 - neg.w1 > 3:
        return False
    return _NEG_BARRIER.search(clause, neg.end, cue.start) is None


def _attach(
    clause: str, cue: _Item, topics: list[_Item], topic_starts: list[int], blocks: list[_Item]
) -> list[str]:
    """The topics a cue is about: the nearest allowed one, plus coordinated ones."""
    rule = cue.rule
    best: tuple[int, int, int] | None = None
    best_i = -1
    # Items are non-overlapping and each starts a word, so topics within ``window`` words
    # are among the ``window + 1`` topics on either side: a bounded look, never quadratic.
    mid = bisect_right(topic_starts, cue.start)
    for i in range(max(0, mid - rule.window - 1), min(len(topics), mid + rule.window + 1)):
        tp = topics[i]
        if tp.rule.topic not in rule.allowed:
            continue
        if tp.start >= cue.end:
            dist, side = tp.w0 - cue.w1, "after"
            lo, hi = cue.end, tp.start
        elif tp.end <= cue.start:
            dist, side = cue.w0 - tp.w1, "before"
            lo, hi = tp.end, cue.start
        else:
            continue
        if side != rule.prefer and not rule.both_sides:
            continue
        if dist > rule.window or _blocked(clause, blocks, lo, hi, side == "before"):
            continue
        key = (dist, side != rule.prefer, hi - lo)
        if best is None or key < best:
            best, best_i = key, i
    if best_i < 0:
        return []
    chosen = topics[best_i]
    found = [chosen.rule.topic or ""]
    # Coordination: "lost access to my e-mail and 2FA" -> both, on the same side.
    step = 1 if chosen.start >= cue.end else -1
    j, prev = best_i + step, chosen
    while 0 <= j < len(topics) and len(found) < 4:
        nxt = topics[j]
        lo, hi = (prev.end, nxt.start) if step == 1 else (nxt.end, prev.start)
        if step == 1 and "(" in clause[lo:hi]:
            # "lost 2FA (got a new phone and ...) and email access": the aside, and any
            # topic inside it, is skipped.
            close = clause.find(")", lo)
            if close > 0 and ")" not in clause[lo:hi]:
                while j < len(topics) and topics[j].start < close:
                    j += 1
                if j >= len(topics):
                    break
                nxt = topics[j]
                hi = nxt.start
        between = clause[lo:hi]
        if "(" in between:
            between = _PAREN.sub(" ", between)
        if lo > hi or len(between) > 40 or not _CONNECT_RE.match(between):
            break
        if nxt.rule.topic in rule.allowed:
            found.append(nxt.rule.topic or "")
        j, prev = j + step, nxt
    return found


def _blocked(clause: str, blocks: list[_Item], lo: int, hi: int, topic_before: bool) -> bool:
    """A blocking noun between cue and topic, unless a coordination follows it
    ("lost my password **and** my e-mail" still reaches the e-mail)."""
    for b in blocks:
        if b.start >= hi:
            break
        if lo <= b.start and b.end <= hi:
            if topic_before and not clause[lo : b.start].strip():
                continue  # "my Authy account got deleted": the block is the topic's noun
            between = clause[b.end : hi]
            if not between.strip():
                return True
            return not (_CONNECT_RE.match(between) or _CAUSE_RE.match(between))
    return False


def _fallback(clause: str, cue: _Item, kinds: set[str | None], previous: str | None) -> list[str]:
    """No topic within reach: a pronoun ("I lost it") points at the previous topic, and
    some cues imply their topic ("a typo when I registered", "I left the company")."""
    rule = cue.rule
    # An "ok" cue reaches back only through its object ("I can access it") or, when it
    # prefers the left, its subject ("it works"): in "help me get back the codes so that
    # I can log in", "that" is no pronoun. Losses look both ways ("which I returned").
    if rule.kind == "ok" and rule.prefer == "after":
        lo, hi = cue.end, min(len(clause), cue.end + 14)
    else:
        lo, hi = max(0, cue.start - 24), min(len(clause), cue.end + 24)
    if (
        previous is not None
        and rule.pronoun
        and previous in rule.allowed
        and _PRONOUN_RE.search(clause, lo, hi)
    ):
        return [previous]
    if rule.implied is not None:
        if rule.implied == EMAIL and rule.allowed == _E and not rule.weak:
            # Typos: only when the clause is not about the username or the password.
            if kinds or _TYPO_UNLESS.search(clause):
                return []
        elif rule.allowed == _E and kinds - _E:
            return []  # "the phone was returned when I left the company"
        return [rule.implied]
    return []


# ---------------------------------------------------------------------------------------
# Recovery codes


_CODES = (
    r"(?:(?:2fa|pypi|account|totp|two[-\s]factor)\s+)?(?:recovery|backup|back-up|recuperations?)"
    r"[\s-]codes?"
)
_CODES_LOOSE = rf"(?:{_CODES}|codes)"
# Words that may stand between "have" and "recovery codes" without changing the meaning.
_FILLER = (
    r"(?:access\s+to|all|the|my|our|some|a\s+few|few|several|both|those|these|a\s+copy\s+of|"
    r"copies\s+of|a\s+list\s+of|one\s+of|\d+|one|two|three|four|five|six|seven|eight|of|"
    r"valid|unused|remaining|working|saved|printed|original|pypi|2fa|account)"
)


def _code_patterns(codes: str) -> LazyPattern:
    return LazyPattern(
        # "I (still) (do) have (all 8 of) my recovery codes", "I kept the backup codes".
        rf"\b(?:(?:still|do|also|actually|definitely|already)\s+)*(?:have|has|got|possess|"
        rf"keep|kept|hold|retain(?:ed)?|found)\s+(?:{_FILLER}\s+){{0,5}}{codes}\b"
        # "I do have the password and recovery codes", "the username, password, and codes".
        rf"|\b(?:(?:still|do|also|actually|definitely|already)\s+)*(?:have|has|got|possess)\s+"
        rf"(?:(?!(?:lost|lose|no|never|not|access)\b)[\w-]+,?\s+){{1,5}}?(?:and|&|plus|as\s+well\s+as)\s+"
        rf"(?:(?:my|the|all|our)\s+)?"
        rf"{codes}\b"
        # "logging in using recovery codes", "I used one of my recovery codes".
        rf"|\b(?:log(?:ged|ging)?\s*in(?:to)?|sign(?:ed|ing)?\s*in|login)\s+(?:\w+\s+){{0,3}}?"
        rf"(?:using|with)\s+(?:(?:one\s+of\s+)?(?:my|the|a|one)\s+)?{codes}\b"
        rf"|\b(?:use|used|using)\s+(?:one\s+of\s+)?(?:my|the|a)\s+{codes}\b"
        # "my recovery codes are in my password manager", "... that I still have".
        rf"|\b{codes}\s+(?:are|is)\s+(?:still\s+|safely\s+|securely\s+)?(?:in|on|saved|stored|"
        rf"kept|available|safe|here|with\s+me|printed|written)\b"
        rf"|\b{codes}\s+(?:that\s+|which\s+)?i\s+(?:still\s+)?(?:have|kept|saved|stored)\b"
        # "Recovery codes: I have them", "the backup codes - I still have them".
        rf"|\b{codes}\b[^.!?]{{0,40}}?\bi\s+(?:still\s+|do\s+|also\s+)*(?:have|kept|saved)"
        rf"\s+them\b"
        # "I tried using my recovery codes", "my recovery codes don't work".
        rf"|\b(?:tried|try|trying|attempted)\s+(?:to\s+use|using|entering|to\s+enter)\s+"
        rf"(?:\w+\s+){{0,3}}?{codes}\b"
        rf"|\b{codes}\s+(?:don't|do\s+not|doesn't|does\s+not|didn't|did\s+not|won't|aren't|"
        rf"are\s+not|weren't|were\s+not)\s+(?:\w+\s+)?(?:work\w*|accepted|valid)\b"
        rf"|\b{codes}\s+(?:are|were)\s+(?:\w+\s+)?(?:rejected|not\s+accepted)\b"
        rf"|\b(?:didn't|did\s+not|haven't|have\s+not|never)\s+lost?\s+(?:\w+\s+){{0,2}}?{codes}\b"
    )


_HAVE_CODES = _code_patterns(_CODES)
_HAVE_CODES_LOOSE = _code_patterns(_CODES_LOOSE)
_HAVE_CODES_ZH = LazyPattern(
    r"(?:还|仍然|仍|都)?(?<![没沒])有(?:[^，。！？\s没沒]{0,6})?(?:恢复码|恢復碼|恢复代码|备用码|备份码)"
    r"|(?:恢复码|恢復碼|备用码)(?:还在|都在)"
    # Japanese: "リカバリーコードは持っています" (I have the recovery codes).
    r"|(?:リカバリーコード|リカバリコード|復旧コード|回復コード)(?:は|を|も)?(?:まだ)?"
    r"(?:持って|保存して|手元に|あります)"
    # French: "j'ai (toujours) mes codes de récupération".
    r"|(?:j'ai|nous\s+avons|ai|avons)\s+(?:toujours\s+|encore\s+|bien\s+)?(?:acc[eè]s\s+[àa]\s+)?"
    r"(?:mes|les|nos)\s+codes?\s+de\s+(?:r[ée]cup[ée]ration|secours)"
)
# Before the match, in the same clause: negation, condition, wish.
_CODES_NEG_BEFORE = LazyPattern(
    r"(?:\bnot|\bnever|n't|\bno\s+longer|\bneither|\bnor|\bif|\bwhether|\bunless|\bwithout|"
    r"\bwish|\bhope|\bthought|\bdont|\bcant)\b(?:\W+\w+){0,4}\W*$"
)
# After the match, in the same clause: the codes are somewhere lost.
_CODES_LOSS_AFTER = LazyPattern(
    r"\b(?:lost|lose|stolen|broken|broke|died|dead|gone|wiped|deleted|no\s+longer|old|"
    r"former|previous|anymore|any\s+more|can't\s+find|cannot\s+find|misplaced|crashed|"
    r"reset|returned|don't\s+have|do\s+not\s+have|no\s+access)\b"
)
# Codes of another site are not this account's (#10310, #7870); "... got recovery codes
# for it as well", "it" being the TestPyPI account named before (#3523).
_CODES_OTHER_SITE = LazyPattern(
    r"\s+(?:\w+\s+){0,2}?for\s+(?:my\s+|the\s+|that\s+|our\s+)?(?:test[\s.-]?py\s?pi|github|"
    r"gitlab|google|microsoft|aws|npm)"
)
_CODES_FOR_IT = LazyPattern(r"\s+(?:\w+\s+){0,2}?for\s+it\b")
# "I do have the codes. But I had to tick the box": the sentence, not the clause, holds
# "codes ... but I still have them".
_CODES_BUT_HAVE = LazyPattern(
    rf"\b{_CODES}\b[^.!?\n]{{0,80}}?\b(?:but|however)\s+i\s+(?:still\s+|do\s+|actually\s+)*"
    r"(?:have|kept|saved)\s+them\b"
)
# "Even when I use a recovery code I need to confirm via e-mail", "I can't use the
# recovery codes because it says unrecognized device": the codes are accepted, and PyPI's
# new-device check (which codes never skip) is what blocks. Codes held, not failing.
_DEVICE_CHECK = (
    r"(?:unrecogni[sz]ed|not\s+recogni[sz]ed|new\s*(?:/\s*\w+\s+)?devices?|"
    r"confirm\w*[\s-](?:\w+\s+){0,2}?(?:via|by|through|with|per)\s+e-?mail|"
    r"confirmation[\s-]+(?:e-?mails?|links?)|(?:validate|verify|confirm)\s+(?:my|the)\s+e-?mail|"
    r"e-?mail\s+(?:confirmation|verification)|(?:verify|verifying|confirm|confirming)\s+"
    r"(?:my|the|this|your)\s+(?:device|log\s?in))"
)
_CODES_THEN_DEVICE_CHECK = LazyPattern(
    rf"\b{_CODES}\b[^.!?\n]{{0,100}}?\b{_DEVICE_CHECK}"
    # "... asks me for an e-mail confirmation ... even if I use a recovery code".
    rf"|\b{_DEVICE_CHECK}[^.!?\n]{{0,100}}?\b(?:use|using|used|with)\s+(?:(?:a|my|the|one|one\s+of\s+"
    rf"my)\s+)?{_CODES}\b"
)
_CODES_LOST_BEFORE = LazyPattern(
    r"\b(?:lost|lose|no|without|never|don't\s+have|do\s+not\s+have)\s+(?:\w+\s+){0,3}$"
)
_CODE_CLAUSE_SPLIT = LazyPattern(
    r"[.!?;]+(?=\s|$)|[\n\r]+|[。！？；]|\b(?:but|however|although|though|whereas|because)\b"
)


def mentions_having_recovery_codes(text: str | None) -> bool:
    """True when the opener says they still have recovery codes that may work.

    False whenever ``says_recovery_codes_fail`` is True: the two are exclusive.

    Negations ("I don't have any recovery codes", "no recovery codes", "never saved the
    codes"), conditions ("if I had my codes") and the past ("I had the recovery codes on
    that laptop", "my codes were on the phone I lost") are not having them.
    """
    if not isinstance(text, str) or not text:
        return False
    if says_recovery_codes_fail(text):
        return False  # exclusive: codes that do not work are not usable codes
    try:
        t = _prepare(text)
        if not t.isascii() or "codes de" in t:
            if _HAVE_CODES_ZH.search(t):
                return True
        if "code" not in t:
            return False
        device_check = (
            "recogni" in t or "device" in t or "confirm" in t or "verif" in t or "validat" in t
        )
        but_have = " them" in t and ("but" in t or "however" in t)
        for sentence in _FAIL_SENTENCES.split(t) if device_check or but_have else ():
            if device_check and "code" in sentence:
                m = _CODES_THEN_DEVICE_CHECK.search(sentence)
                if m is not None and not _CODES_LOST_BEFORE.search(
                    sentence, max(0, m.start() - 40), m.start()
                ):
                    return True
            if but_have and ("but" in sentence or "however" in sentence):
                m = _CODES_BUT_HAVE.search(sentence)
                if m is not None and not _CODES_LOST_BEFORE.search(
                    sentence, max(0, m.start() - 40), m.start()
                ):
                    return True
        pattern = _HAVE_CODES_LOOSE if ("recovery" in t or "backup" in t) else _HAVE_CODES
        for clause in _CODE_CLAUSE_SPLIT.split(t):
            if not clause or "code" not in clause:
                continue
            for m in pattern.finditer(clause):
                # Bounded windows: a few words before, the rest of a normal clause after.
                if _CODES_NEG_BEFORE.search(clause, max(0, m.start() - 60), m.start()):
                    continue
                if _CODES_LOSS_AFTER.search(clause, m.end(), m.end() + 160):
                    continue
                if _CODES_OTHER_SITE.match(clause, m.end()) or (
                    _TESTPYPI_RE.search(clause) and _CODES_FOR_IT.match(clause, m.end())
                ):
                    continue
                return True
        return False
    except Exception as exc:  # pragma: no cover - user text must never crash a delivery
        log.warning("mentions_having_recovery_codes failed: %s", type(exc).__name__)
        return False


# ---------------------------------------------------------------------------------------
# E-mail addresses

# "@" right after a character that can end a local part ("j***@x.com" and " @alice"
# cannot), then a domain with a dot and a TLD of letters, so "user@localhost" and
# "package@1.2.3" are not addresses. One C-level search; every quantifier is bounded by
# a dot or a length, so hostile input cannot make it backtrack quadratically.
_ADDRESS = LazyPattern(
    r"(?<=[\w.!#$%&'+/=?^{|}~-])@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}(?![\w-])"
)


def contains_email_address(text: str | None) -> bool:
    """True when a literal e-mail address appears anywhere in ``text``.

    Masked addresses (``***@***.***``, ``j***@gmail.com``, ``name [at] domain [dot]
    com``) and ``@mentions`` are not literal addresses.
    """
    if not isinstance(text, str) or "@" not in text:
        return False
    try:
        return _ADDRESS.search(text) is not None
    except Exception as exc:  # pragma: no cover - user text must never crash a delivery
        log.warning("contains_email_address failed: %s", type(exc).__name__)
        return False


# ---------------------------------------------------------------------------------------
# Recovery codes that do not work

# Codes named without "recovery"/"backup" count only with a determiner and when the text
# speaks of recovery codes somewhere ("I have the recovery codes ... the codes are
# rejected"); authenticator, TOTP or SMS codes are the 2FA itself, never recovery codes.
_FAIL_CODES = (
    rf"(?:{_CODES}|(?:the|my|those|these|all|both|some|saved|printed)\s+"
    r"(?!(?:2fa|totp|otp|mfa|auth\w*|verification|security|sms|one-time|6-digit)\b)"
    r"(?:\w+\s+)?codes?|they|them|it|each\s+one|every\s+one)"
)
_FAIL_CUE = (
    r"(?:(?:don't|doesn't|didn't|won't|wouldn't|dont|doesnt|didnt|wont|do\s+not|does\s+not|"
    r"did\s+not|will\s+not|would\s+not|no\s+longer|never|not|aren't|isn't|weren't|wasn't)"
    r"\s+(?:\w+\s+){0,2}?"
    r"(?:work\w*|accept\w*|valid|succeed\w*|recogni[sz]ed)"
    r"|(?:is|are|was|were|got|get|been|being|gets)\s+(?:\w+\s+){0,2}?(?:rejected|invalid|"
    r"refused|declined|incorrect|wrong|expired|already\s+(?:been\s+)?used|used\s+up)"
    r"|fail(?:s|ed|ing)?\b|rejected|invalid|already\s+(?:been\s+)?used)"
)
_CODES_FAIL = LazyPattern(
    # "my recovery codes don't work", "I have the codes but they are rejected".
    rf"\b{_FAIL_CODES}\b(?:\s+(?:i|that\s+i|which\s+i)\s+(?:\w+\s+){{0,3}}?"
    r"(?:have|had|saved|kept|stored|generated|got|tried|entered|used)(?:\s+\w+){0,3}?)?"
    rf"\s+(?:\w+\s+){{0,2}}?{_FAIL_CUE}"
    # "none of my recovery codes work", "neither code worked", "... and recovery codes.
    # None of them work." (the codes named in the sentence before: checked by the caller).
    rf"|\b(?:none|neither)\s+(?:of\s+)?(?:\w+\s+){{0,3}}?(?:codes?|them)\s+(?:\w+\s+){{0,2}}?"
    r"(?:work\w*|accept\w*|valid|succeed\w*|help\w*)"
    # PyPI's own messages: "Invalid recovery code", "You have not generated account
    # recovery codes", "recovery code has been used".
    rf"|\binvalid\s+(?:\w+\s+)?(?:recovery|backup)[\s-]codes?"
    r"|\b(?:you|user)\s+(?:have\s+not|haven't|has\s+not|hasn't|did\s+not|didn't|never)\s+"
    r"(?:\w+\s+)?generated\s+(?:any\s+)?(?:account\s+)?recovery\s+codes?"
    r"|\b(?:recovery|backup)\s+codes?\s+(?:has|have)\s+(?:already\s+|previously\s+)?been\s+"
    r"(?:already\s+|previously\s+)?used"
    # French: "les codes de récupération ne fonctionnent pas / sont invalides".
    r"|\bcodes?\s+de\s+(?:r[ée]cup[ée]ration|secours)\s+(?:\w+\s+){0,3}?(?:ne\s+(?:\w+\s+)?"
    r"(?:fonctionne\w*|marche\w*)|(?:sont|est)\s+(?:invalide|refus[ée]|rejet[ée])\w*|"
    r"d[ée]j[àa]\s+utilis[ée]\w*)"
    # "I tried (using) my recovery codes, (but) with no success / all come back as
    # invalid", 'when I press "Login with recovery code" I get this error'.
    r"|\b(?:tried|try|trying|use|using|used|enter\w*|log\s?in\s+with|sign\s?in\s+with|"
    r"logging\s+in\s+with|signing\s+in\s+with|press\w*|click\w*)\s+(?:\w+\s+){0,3}?"
    r"(?:recovery|backup)[\s-]codes?\b[^.!?\n]{0,100}?"
    r"\b(?:no\s+(?:luck|success)|without\s+(?:any\s+)?(?:luck|success)|in\s+vain|"
    r"unsuccessful\w*|to\s+no\s+avail|nothing\s+work\w*|didn't\s+work|did\s+not\s+work|"
    r"not\s+work\w*|errors?|invalid|rejected|expired|not\s+accepted|fail\w*)\b"
)
# In the same sentence before the failure: a condition, not a report ("if the codes
# don't work", "in case my codes are rejected").
_FAIL_COND_BEFORE = LazyPattern(r"\b(?:if|whether|unless|in\s+case)\b[^,;]{0,80}$")
_FAIL_SENTENCES = LazyPattern(r"[.!?;]+(?=\s|$)|[\n\r。！？；]+")
_CODES_FAIL_ZH = LazyPattern(
    r"(?:恢复码|恢復碼|恢复代码|备用码|备份码|リカバリーコード|復旧コード|回復コード)"
    r"[^。！？\n]{0,12}(?:无效|無效|不能用|不可用|用不了|不行|错误|錯誤|被拒|无法使用|無法使用|"
    r"使えな|無効|通らな)"
)


_RECOVERY_WORD = LazyPattern(r"recovery|backup|r[ée]cup[ée]ration|secours")


_LAST_FAIL: tuple[str, bool] = ("", False)
# Every _CODES_FAIL alternative contains one of these.
_FAIL_WORDS = (
    "work", "accept", "valid", "succeed", "recogni", "reject", "refus", "declin", "incorrect",
    "wrong", "expire", "used", "fail", "help", "generated", "luck", "success", "vain", "avail",
    "error", "fonction", "marche", "invalide", "utilis", "rejet",
)  # fmt: skip


def says_recovery_codes_fail(text: str | None) -> bool:
    """True when the reporter says their recovery codes do not work.

    Rejected, "invalid", "already used", "none of my codes work", and PyPI's own
    "You have not generated account recovery codes". Why it matters: the answer must not
    suggest the codes again (docs/situations.md). Conditions ("if the codes do not
    work") are not reports. Codes of the authenticator itself (TOTP, 2FA codes) are the
    2FA, not recovery codes.
    """
    global _LAST_FAIL
    if not isinstance(text, str) or not text:
        return False
    last = _LAST_FAIL
    if last[0] == text:
        return last[1]  # gather_facts asks, then mentions_having_recovery_codes asks again
    found = _says_codes_fail(text)
    _LAST_FAIL = (text, found)
    return found


def _says_codes_fail(text: str) -> bool:
    try:
        t = _prepare(text)
        if not t.isascii() and _CODES_FAIL_ZH.search(t):
            return True
        if "code" not in t or not any(map(t.__contains__, _FAIL_WORDS)):
            return False  # no failure word at all: the usual case, without a regex
        loose = _RECOVERY_WORD.search(t) is not None
        previous = ""
        for sentence in _FAIL_SENTENCES.split(t):
            before, previous = previous, sentence
            if "code" not in sentence and not (
                loose and ("they" in sentence or "them" in sentence or "it" in sentence)
            ):
                continue
            for m in _CODES_FAIL.finditer(sentence):
                named = m.group(0)
                if not loose and _RECOVERY_WORD.search(named) is None:
                    continue
                if "code" not in named and "code" not in sentence[: m.start()]:
                    # "they don't work" needs the codes earlier in the sentence; "None of
                    # them work." may follow a sentence naming them.
                    if not (named.startswith(("none", "neither")) and "code" in before):
                        continue
                if _FAIL_COND_BEFORE.search(sentence, max(0, m.start() - 80), m.start()):
                    continue
                return True
        return False
    except Exception as exc:  # pragma: no cover - user text must never crash a delivery
        log.warning("says_recovery_codes_fail failed: %s", type(exc).__name__)
        return False


# ---------------------------------------------------------------------------------------
# Topics: what else a request is about (docs/situations.md, "Topics")

Topic = Literal[
    "compromised", "deletion", "testpypi", "new_device", "unverified_email", "refiling",
    "non_english",
]  # fmt: skip

# Each row: topic, substrings of which one must be in the text for the pattern to be
# tried (a C-speed ``in`` instead of an alternation tried at every word), pattern.
_TOPIC_RES: tuple[tuple[str, tuple[str, ...], LazyPattern], ...] = (
    # Hijacked, taken over, suspended or frozen by PyPI ("account suspended / out of
    # compliance" notices). A stolen *phone* is a lost device, not a compromise.
    ("compromised",
     ("hack", "hijack", "compromis", "taken over", "takeover", "take over", "unauthori",
      "compliance", "suspen", "frozen", "stolen", "someone", "malicious", "attacker"),
     LazyPattern(
        r"\b(?:hack(?:ed|er|ers)|hijack\w*|compromised|taken\s+over|take\s?over|"
        r"unauthori[sz]ed\s+(?:access|log\s?ins?|sign[- ]?ins?|changes?|uploads?|releases?)|"
        r"out\s+of\s+compliance|(?:account|profile)\s+(?:\w+\s+){0,3}?(?:suspended|frozen|"
        r"stolen)|(?:suspended|frozen)\s+(?:my\s+|the\s+)?(?:pypi\s+)?account|"
        r"account\s+suspension|someone\s+(?:else\s+)?(?:has\s+)?(?:changed|logged|accessed|"
        r"gained|took|stole|is\s+using|uploaded|published)|malicious\s+(?:release|upload|"
        r"version|package|code|actor)|attackers?)\b")),
    # The account (not a project) should go away.
    ("deletion",
     ("delet", "remov", "clos", "terminat", "eras", "get rid"),
     LazyPattern(
        r"\b(?:delet\w*|remov\w*|clos(?:e|ing)|terminat\w*|eras\w*|get\s+rid\s+of)\s+"
        r"(?:of\s+)?(?:(?:my|the|this|that|our|both|these|those|it|an?)\s+)?"
        r"(?:(?:old|pypi|test\s?pypi|user|personal|unused|duplicate|second|other|former|entire|"
        r"whole|own)\s+)*"
        r"(?:accounts?|profile|user\s+account)\b(?!\s+(?:settings|page|recovery))|"
        r"\baccount\s+(?:deletion|removal|closure)\b|"
        r"\b(?:want|like|wish|need|ask)\s+(?:\w+\s+){0,3}?(?:it|them|the\s+account)\s+"
        r"(?:to\s+be\s+)?(?:deleted|removed)\b")),
    # French, Spanish, Portuguese, German, Chinese, Japanese.
    ("deletion",
     ("suppr", "elimin", "borrar", "exclu", "apagar", "deletar", "schen", "删除", "注销",
      "刪除", "註銷", "削除"),
     LazyPattern(
        r"\b(?:supprimer|suppression\s+d[eu])\s+(?:le\s+|mon\s+|notre\s+|ce\s+)?compte|"
        r"\b(?:eliminar|borrar|excluir|apagar|deletar)\s+(?:mi\s+|la\s+|minha\s+|a\s+)?"
        r"(?:cuenta|conta)|\b(?:konto|account)\s+(?:\w+\s+)?l[öo]schen|"
        r"(?:删除|注销|刪除|註銷)(?:我的)?(?:账号|账户|帳號|帳戶)|アカウント(?:を)?削除")),
    # The address on the account was never verified.
    ("unverified_email",
     ("verif", "confirm", "validat", "activat", "authenticated", "finali", "complet", "finish"),
     LazyPattern(
        r"\bneeds?\s+to\s+be\s+(?:verified|confirmed)|\b(?:can't|cannot|can\s+not|unable\s+to)\s+"
        r"verify\b|"
        r"\bunverified\b|\b(?:not|never|wasn't|isn't|hasn't|haven't)\s+(?:been\s+|yet\s+)?"
        r"(?:verified|confirmed|validated|activated|authenticated)|\bno\s+verified\s+"
        r"(?:\w+\s+)?(?:e-?mail|address)|\b(?:didn't|did\s+not|never)\s+verif(?:y|ied)\s+"
        r"(?:the|my|their|his|her|our|its)\s+(?:e-?mail|address)|"
        r"\bnever\s+(?:finali[sz]ed|completed|finished)\s+"
        r"(?:the\s+|my\s+)?(?:registration|sign[- ]?up|verification)|"
        r"\b(?:verify|confirm|validate)\s+(?:my|the|this|that)\s+(?:e-?mail|address|account)"
        r"(?!\s+(?:and|before))")),
    # Weaker: a sign-up verification mail that never came (unless it is the device mail).
    ("unverified_email?", ("verification", "activation"), LazyPattern(
        r"\b(?:verification|activation)\s+(?:e-?mail|mail|link)\s+(?:\w+\s+){0,3}?"
        r"(?:never|not|didn't|did\s+not|no)\b")),
    # A repeat of an earlier request: an issue number or link ...
    ("refiling", ("#", "/issues/"), LazyPattern(
        r"(?<![\w&/])#\d{3,6}\b|github\.com/(?:pypi|pypa)/(?:pypi-)?support/issues/\d+")),
    # ... or words saying so.
    ("refiling", ("previous", "earlier", "prior", "original", "old ", "last ", "first ",
                  "other ", "former", "closed"),
     LazyPattern(
        r"\b(?:previous|earlier|prior|original|old|last|first|other|former)\s+"
        r"(?:issue|request|ticket|recovery\s+request|account\s+recovery\s+request)s?\b|"
        r"\b(?:issue|request|ticket)\s+(?:\w+\s+){0,3}?(?:was|got|has\s+been|had\s+been)\s+"
        r"(?:\w+\s+)?closed")),
    ("refiling", ("again", "anew", "second time", "reopen", "re-open", "refil", "re-fil",
                  "resubmit", "re-submit", "repost", "re-post", "already"),
     LazyPattern(
        r"\bre-?(?:open\w*|fil\w*|submit\w*|post\w*)\b|\bresubmit\w*|"
        r"\b(?:submit\w*|fil(?:e|ed|ing)|open(?:ed|ing)?|creat\w*|post\w*|request\w*|"
        r"asking)\s+(?:\w+\s+){0,3}?(?:again|a\s+second\s+time|anew)\b|"
        r"\balready\s+(?:opened|filed|submitted|created|made)\s+"
        r"(?:an?\s+|one\s+)?(?:issue|request|ticket)")),
)  # fmt: skip
# The key substrings of each row as one literal alternation (one C-level scan).
_TOPIC_ROWS = tuple((name, name.rstrip("?"), keys, pattern) for name, keys, pattern in _TOPIC_RES)
# Every key at once: most reasons have none, and one scan says so.
_ANY_TOPIC_KEY = LazyPattern(
    "|".join(
        re.escape(k)
        for k in sorted({k for _, keys, _ in _TOPIC_RES for k in keys}, key=len, reverse=True)
    )
)
_TESTPYPI_RE = LazyPattern(r"\btest[\s.-]?py\s?pi\b|\btest\.pypi\.org")
# TestPyPI named only beside a locked pypi.org account ("codes for TestPyPI but not
# PyPI", "no access to my account at pypi.org", "log into production").
_PROD_LOCKED = LazyPattern(
    r"(?:\bnot|n't|\bno|\bnever|\blost|\blocked\s+out|\bunable|\bcannot)\b[^.!?\n]{0,50}"
    r"(?<!test\.)\bpypi\.org\b|\bproduction\b|\bbut\s+not\s+(?:on\s+|for\s+)?(?:the\s+)?"
    r"(?:real\s+|regular\s+|main\s+)?pypi\b(?!\.)"
)
# PyPI's breached-password block ("This password appears in a security breach or has
# been compromised") is a password to change, not a taken-over account (ADMIN-REPLIES
# 3.7): removed before looking for a compromise.
_BREACHED_PASSWORD = LazyPattern(
    r"\bpasswords?\s+(?:\w+\s+){0,6}?(?:compromised|breach\w*|leak\w*|pwned)\b"
    r"(?:\s+or\s+(?:has\s+been\s+|was\s+|is\s+)?(?:compromised|leaked|breached)\b)?|"
    r"\b(?:compromised|breached|leaked|pwned)\s+passwords?\b|\bsecurity\s+breach\b"
)
# PyPI's new-device check: "Please confirm this login ... a new or previously
# unrecognized device ... check your email for a login confirmation link".
_ND_MENTION = LazyPattern(
    r"\bunrecogni[sz]ed\b|\bconfirm\s+this\s+log\s?in\b|\blog\s?in[\s-]confirmation\b|"
    r"\b(?:confirm|verify|approve|authori[sz]e)\s+(?:(?:the|this|a|my|that|your)\s+)?"
    r"(?:new\s+)?(?:device|log\s?in|sign[- ]?in|browser|location)\b|"
    r"\bdevice\s+(?:verification|confirmation)|"
    r"\bnew\s+devices?\b[^.!?\n]{0,60}\b(?:e-?mail|mail|link|confirm\w*|verif\w*)|"
    r"\b(?:e-?mail|mail|link|confirm\w*|verif\w*)\b[^.!?\n]{0,60}\bnew\s+devices?\b"
)
# ... and that mail does not come through.
_ND_BLOCKED = LazyPattern(
    r"\bnever\s+(?:\w+\s+)?(?:arriv\w*|receiv\w*|c[ao]me?s?|gets?|got|shows?\s+up|showed\s+up)|"
    r"\b(?:don't|do\s+not|didn't|did\s+not|doesn't|does\s+not|haven't|have\s+not|hasn't|"
    r"not|can't|cannot|can\s+not|unable\s+to|no)\s+(?:\w+\s+){0,2}?(?:receiv\w*|get|getting|"
    r"arriv\w*|com(?:e|ing)|deliver\w*|see|find|confirm|click)|"
    r"\bnothing\s+(?:arrives|arrived|comes|came)|\b(?:link|token)\s+(?:\w+\s+)?(?:is\s+|was\s+)?"
    r"(?:invalid|expired)"
)
# ... or it did: "I received the 'Unrecognized login' e-mail", "after clicking the link".
_ND_RECEIVED = LazyPattern(
    r"\b(?:i|which\s+i|after|and)\s+(?:have\s+|had\s+)?(?:received|got|clicked|clicking|opened|"
    r"followed)\b"
)


def _new_device_blocked(t: str) -> bool:
    """PyPI asks to confirm a new device by e-mail and the reporter is stuck there
    (prepared text): the mail does not come through, or the check is reported and not
    said to have arrived. A reporter who got the mail and clicked it is past the check.
    """
    if not (
        "unrecogni" in t
        or "device" in t
        or "confirm" in t
        or "verif" in t
        or "approv" in t
        or "authori" in t
    ):
        return False
    if _ND_MENTION.search(t) is None:
        return False
    return _ND_BLOCKED.search(t) is not None or _ND_RECEIVED.search(t) is None


_NOT_ADDRESS_SUBJECT = LazyPattern(r"\b(?:codes?|they|them|tokens?|otp|totp|2fa|keys?)\b[^.!?\n]*$")
_URL_ANY = LazyPattern(r"\b(?:https?://|www\.)\S+")
# "... like I did with the TestPyPI account": a comparison, not the locked account.
_TESTPYPI_ASIDE = LazyPattern(r"\b(?:like|as)\s+(?:i|we)\s+(?:did|have|had)\b|\binstead\b")


def _names_testpypi_account(low: str) -> bool:
    """The text says the locked account is on TestPyPI, not merely that TestPyPI exists.

    Mentions that do not count: inside a link (a TestPyPI project or profile cited as
    proof, #4127, #2653), in a sentence about recovery codes (codes held for TestPyPI,
    #6916, #10310), or as an aside ("like I did with the TestPyPI account"); and none
    count when the text says the pypi.org account is the locked one (#2127, #3523).
    """
    if _PROD_LOCKED.search(low):
        return False
    text = _URL_ANY.sub(" ", low) if ("://" in low or "www." in low) else low
    for sentence in _FAIL_SENTENCES.split(text):
        if _TESTPYPI_RE.search(sentence) is None:
            continue
        if "code" in sentence or _TESTPYPI_ASIDE.search(sentence):
            continue
        return True
    return False


# An earlier issue named as a separate, companion request is not a repeat of this one.
_NOT_A_REPEAT = LazyPattern(
    r"\b(?:distinct|separate|partner|companion|sibling|parallel)\s+"
    r"(?:\w+\s+)?(?:request|issue|ticket)|\bsame\s+(?:organi[sz]ation|company|team|org)\b"
)

# Function words: English against the languages seen in pypi/support (French, Spanish,
# Portuguese, German, Italian). Ambiguous ones ("a", "no", "de" in names) are left out.
_EN_WORDS = frozenset(
    "the and i my to of is it in have not for that with was can this but me be on am "
    "an are i'm i've don't do lost access account email phone please you".split()
)
_OTHER_WORDS = frozenset(
    "je le la les mon ma mes des du et est pas pour que une avec compte mais ne sur j'ai "
    "suis ai perdu accès el los las mi mis y es con por para cuenta pero tengo acceso "
    "perdí correo os meu minha uma conta mas não tenho perdi ich und der die das mein "
    "meine nicht ist ein eine mit zu konto habe auf für kein il mio mia sono ho non".split()
)
_WORD_RE = LazyPattern(r"[^\W\d_]+(?:'[^\W\d_]+)?")


_CJK_CHAR = LazyPattern(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_OTHER_SCRIPT = LazyPattern(r"[\u0370-\u03ff\u0400-\u052f\u0590-\u06ff\u0900-\u0dff\u0e00-\u0e7f]")
_LATIN_LETTER = LazyPattern(r"[a-z\u00c0-\u024f]")


def _mostly_not_english(t: str) -> bool:
    """True when the (lower-cased) text is mostly another language.

    A CJK character carries about a word, so it weighs four Latin letters; Cyrillic,
    Greek, Arabic... letters weigh one. Latin-script text is judged by its function
    words. Own words in Chinese after a pasted English option line, or next to PyPI's
    quoted English message, still count (#9757).
    """
    if not t.isascii():
        latin = len(_LATIN_LETTER.findall(t))
        weighted = 4 * len(_CJK_CHAR.findall(t)) + len(_OTHER_SCRIPT.findall(t))
        if weighted > latin:
            return True
    if len(_OTHER_WORDS.intersection(t.split())) < 2:
        return False  # the usual case, found without a regex
    words = _WORD_RE.findall(t)
    fo = sum(map(_OTHER_WORDS.__contains__, words))  # C-level loops
    return fo >= 3 and fo > 2 * sum(map(_EN_WORDS.__contains__, words))


def detect_topics(
    text: str | None, *, title: str | None = None, test_pypi: bool = False
) -> tuple[str, ...]:
    """What else the request is about, as a sorted tuple of ``Topic`` values.

    ``text`` is the reporter's own words (the reason); ``title`` is the issue title,
    which counts for ``testpypi`` only ("TestPyPI account recovery"); ``test_pypi`` is
    ``UsernameResult.test_pypi`` (the username field named test.pypi.org).
    ``new_device`` and ``unverified_email`` need the mailbox to still be theirs: when the
    text itself says the mailbox is lost (the classifier without the device-mail rule),
    neither is reported. Pure and never raises: on an internal error it returns the
    topics found until then.
    """
    found: set[str] = set()
    try:
        if test_pypi:
            found.add("testpypi")
        if isinstance(title, str) and "test" in (tl := title.lower()) and _TESTPYPI_RE.search(tl):
            found.add("testpypi")
        if not isinstance(text, str) or not text.strip():
            return tuple(sorted(found))
        raw = text[:_MAX_CHARS]
        low = raw.lower().replace("’", "'")
        if "test" in low and _TESTPYPI_RE.search(low) and _names_testpypi_account(low):
            found.add("testpypi")
        t = _prepare(raw)
        # The keys are looked for in the raw text (the refiling row reads links, which
        # preparation turns into "link") and in the prepared one (one kind of space:
        # "taken\u00a0over" is "taken over").
        rows = _TOPIC_ROWS if _ANY_TOPIC_KEY.search(low) or _ANY_TOPIC_KEY.search(t) else ()
        for name, topic, keyre, pattern in rows:
            if topic in found:
                continue
            src = low if name == "refiling" else t
            if not any(map(src.__contains__, keyre)):  # C-level substring tests
                continue
            if name == "refiling":
                hit = pattern.search(low)  # before URLs become "link"
                if hit is not None and _NOT_A_REPEAT.search(low):
                    hit = None
            elif name == "compromised":
                hit = pattern.search(_BREACHED_PASSWORD.sub(" ", t) if "pass" in t else t)
            elif name == "unverified_email":
                # "... they are not validated" about codes is not the address (#12176).
                hit = None
                for m in pattern.finditer(t):
                    if _NOT_ADDRESS_SUBJECT.search(t, max(0, m.start() - 30), m.start()) is None:
                        hit = m
                        break
            elif name == "unverified_email?":
                if "unverified_email" in found or _ND_MENTION.search(t) is not None:
                    continue
                hit = pattern.search(t)
                name = "unverified_email"
            else:
                hit = pattern.search(t)
            if hit is not None:
                found.add(name)
        if _new_device_blocked(t):
            found.add("new_device")
        if found & {"new_device", "unverified_email"} and _classify(raw) in ("lost_email", "both"):
            found -= {"new_device", "unverified_email"}
        if _mostly_not_english(t):
            found.add("non_english")
    except Exception as exc:  # pragma: no cover - user text must never crash a delivery
        log.warning("detect_topics failed: %s", type(exc).__name__)
    return tuple(sorted(found))
