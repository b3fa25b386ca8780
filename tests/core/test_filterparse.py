"""The filter parser: the shapes the README promises ("Filters"), its errors, and round trips."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.kernel.errors import InvalidInput
from crmcli.query.parser import OPERATORS, Filter, Term, format_filter, parse_filter

# --- terms -------------------------------------------------------------------------------


def test_design_example_argv() -> None:
    f = parse_filter(
        [
            "tag:vip",
            "-tag:churned",
            "value>5000",
            "income>=50000",
            '"big deal"',
            "acme",
            "owner:alice",
            "close<eom",
            "created>-30d",
        ]
    )
    assert f.terms == (
        Term("tag", ":", "vip"),
        Term("tag", ":", "churned", negate=True),
        Term("value", ">", "5000"),
        Term("income", ">=", "50000"),
        Term("owner", ":", "alice"),
        Term("close", "<", "eom"),
        Term("created", ">", "-30d"),
    )
    assert f.words == ("big deal", "acme")


@pytest.mark.parametrize(
    ("word", "term"),
    [
        ("tag:vip", Term("tag", ":", "vip")),
        ("stage=proposal", Term("stage", "=", "proposal")),
        ("status!=won", Term("status", "!=", "won")),
        ("value>5000", Term("value", ">", "5000")),
        ("value>=5000", Term("value", ">=", "5000")),
        ("value<5000", Term("value", "<", "5000")),
        ("value<=5000", Term("value", "<=", "5000")),
        ("due<today", Term("due", "<", "today")),
        ("created>-30d", Term("created", ">", "-30d")),
        ("-tag:churned", Term("tag", ":", "churned", negate=True)),
        ("-value<=10", Term("value", "<=", "10", negate=True)),
        ("TAG:VIP", Term("tag", ":", "VIP")),
        ("fields.income>5", Term("fields.income", ">", "5")),
        ("_x1:y", Term("_x1", ":", "y")),
        ("foo:bar:baz", Term("foo", ":", "bar:baz")),
        ("email:ada@example.com", Term("email", ":", "ada@example.com")),
        ("note:a=b", Term("note", ":", "a=b")),
        ("status:open|won|lost", Term("status", ":", "open|won|lost")),
    ],
)
def test_single_term(word: str, term: Term) -> None:
    assert parse_filter([word]) == Filter(terms=(term,))


def test_longest_operator_wins() -> None:
    assert parse_filter(["a>=1"]).terms[0].op == ">="
    assert parse_filter(["a<=1"]).terms[0].op == "<="
    assert parse_filter(["a!=1"]).terms[0].op == "!="


@pytest.mark.parametrize(
    "word",
    ["company:Acme Corp", 'company:"Acme Corp"', "company:'Acme Corp'", 'company:" Acme Corp "'],
)
def test_value_with_spaces_or_quotes(word: str) -> None:
    assert parse_filter([word]).terms == (Term("company", ":", "Acme Corp"),)


def test_quoted_value_may_start_with_an_operator_character() -> None:
    assert parse_filter(['title:"<urgent>"']).terms == (Term("title", ":", "<urgent>"),)


def test_quote_inside_a_value_is_kept() -> None:
    assert parse_filter(["name:O'Brien"]).terms == (Term("name", ":", "O'Brien"),)


# --- words -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("acme", "acme"),
        ("big deal", "big deal"),  # a phrase after the shell stripped its quotes
        ('"big deal"', "big deal"),
        ("'big deal'", "big deal"),
        ('"tag:vip"', "tag:vip"),  # quoted: literal, not a term
        ("ada@example.com", "ada@example.com"),
        ("-7d", "-7d"),
        ("-", "-"),
        ("wow!", "wow!"),
        ("meet at 10:30", "meet at 10:30"),  # space before the operator: a phrase
        ("  padded  ", "padded"),
        ("O'Brien", "O'Brien"),
    ],
)
def test_words(word: str, expected: str) -> None:
    assert parse_filter([word]) == Filter(words=(expected,))


def test_words_keep_their_order() -> None:
    assert parse_filter(["b", "tag:x", "a", "c"]).words == ("b", "a", "c")


@pytest.mark.parametrize("args", [[], [""], ["   "], ['""'], "", "   "])
def test_empty(args: list[str] | str) -> None:
    f = parse_filter(args)
    assert f == Filter()
    assert f.is_empty()


def test_not_empty() -> None:
    assert not parse_filter(["acme"]).is_empty()
    assert not parse_filter(["tag:vip"]).is_empty()


# --- one string (the TUI's filter box) ------------------------------------------------------


def test_single_string_is_split_like_a_shell() -> None:
    f = parse_filter('tag:vip value>5000 "big deal" company:"Acme Corp" acme -tag:x')
    assert f.terms == (
        Term("tag", ":", "vip"),
        Term("value", ">", "5000"),
        Term("company", ":", "Acme Corp"),
        Term("tag", ":", "x", negate=True),
    )
    assert f.words == ("big deal", "acme")


def test_single_string_literal_quotes_make_a_phrase() -> None:
    assert parse_filter("'\"tag:vip\"'") == Filter(words=("tag:vip",))


def test_string_and_argv_agree() -> None:
    assert parse_filter("tag:vip value>5") == parse_filter(["tag:vip", "value>5"])


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["value>>5"], "unexpected '>' after '>'"),
        (["value><5"], "unexpected '<' after '>'"),
        (["value=>5"], "unexpected '>' after '='"),
        (["value<>5"], "unexpected '>' after '<'"),
        (["value!==5"], "unexpected '=' after '!='"),
        (["value=!5"], "unexpected '!' after '='"),
        (["tag::vip"], "unexpected ':' after ':'"),
        (["tag:"], "missing value after ':'"),
        (["tag:   "], "missing value after ':'"),
        (['tag:""'], "missing value after ':'"),
        (["value>="], "missing value after '>='"),
        ([":vip"], "missing field name before ':'"),
        ([">5"], "missing field name before '>'"),
        (["-:vip"], "missing field name before ':'"),
        (["!=x"], "missing field name before '!='"),
        (["1tag:vip"], "field '1tag'"),
        (["ta$g:vip"], "field 'ta$g'"),
        (["e-mail:x"], "field 'e-mail'"),
        (["--tag:x"], "field '-tag'"),
        (["10:30"], "field '10'"),
        (['"big deal'], "unterminated quote"),
        (["'big deal\""], "unterminated quote"),
        (['"'], "unterminated quote"),
        (['company:"Acme'], "unterminated quote"),
        ('tag:vip "big deal', "unterminated quote"),
        ("tag:vip \\", "backslash at the end"),
    ],
)
def test_malformed(args: list[str] | str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_filter(args)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("bad filter ")
    assert reason in message
    assert message.endswith(
        "expected FIELD:VALUE, FIELD>N, FIELD<N, FIELD>=N, FIELD<=N, FIELD=V, FIELD!=V or a word"
    )
    assert caught.value.exit_code == 2


def test_error_names_the_bad_word() -> None:
    with pytest.raises(InvalidInput, match=r"^bad filter 'value>>5': "):
        parse_filter(["tag:vip", "value>>5"])


# --- format_filter -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "text"),
    [
        (Filter(), ""),
        (Filter(terms=(Term("tag", ":", "vip"),)), "tag:vip"),
        (Filter(terms=(Term("tag", ":", "x", negate=True),)), "-tag:x"),
        (Filter(terms=(Term("company", ":", "Acme Corp"),)), 'company:"Acme Corp"'),
        (Filter(words=("big deal", "acme")), '"big deal" acme'),
        (
            Filter(terms=(Term("value", ">", "5000"),), words=("acme",)),
            "value>5000 acme",
        ),
    ],
)
def test_format(f: Filter, text: str) -> None:
    assert format_filter(f) == text
    assert str(f) == text
    assert parse_filter(text) == f


@pytest.mark.parametrize(
    "f",
    [
        Filter(words=("tag:vip",)),
        Filter(words=("-tag:vip",)),
        Filter(words=("10:30",)),
        Filter(words=('"quoted"',)),
        Filter(words=('"',)),
        Filter(words=("back\\slash",)),
        Filter(terms=(Term("title", ":", "<urgent>"),)),
        Filter(terms=(Term("title", ":", '"quoted"'),)),
        Filter(terms=(Term("path", "=", 'C:\\dir "x"'),)),
        Filter(terms=(Term("name", ":", "O'Brien"),)),
    ],
)
def test_format_quotes_what_would_not_read_back(f: Filter) -> None:
    assert parse_filter(format_filter(f)) == f


# --- properties --------------------------------------------------------------------------

fields = st.from_regex(r"[a-z_][a-z0-9_.]{0,12}", fullmatch=True)
# Any text the parser could have produced: NFC, stripped and non-empty. Quotes, backslashes,
# operator characters and inner newlines are all allowed; format_filter must cope.
texts = (
    st.text(min_size=1, max_size=20)
    .map(lambda text: unicodedata.normalize("NFC", text).strip())
    .filter(bool)
)
terms = st.builds(
    Term, field=fields, op=st.sampled_from(OPERATORS), value=texts, negate=st.booleans()
)
filters = st.builds(
    Filter,
    terms=st.lists(terms, max_size=4).map(tuple),
    words=st.lists(texts, max_size=4).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(filters)
def test_format_round_trips(f: Filter) -> None:
    assert parse_filter(format_filter(f)) == f


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=6))
def test_any_argv_parses_or_is_invalid_input(args: list[str]) -> None:
    try:
        f = parse_filter(args)
    except InvalidInput:
        return
    assert isinstance(f, Filter)
    assert all(word and word == word.strip() for word in f.words)
    assert all(term.value and term.field for term in f.terms)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_any_string_parses_or_is_invalid_input(text: str) -> None:
    try:
        f = parse_filter(text)
    except InvalidInput:
        return
    assert isinstance(f, Filter)


def test_text_is_read_as_nfc() -> None:
    """A decomposed `école` (e + U+0301) means the composed one that stored text holds."""
    composed, decomposed = "\u00e9cole", "e\u0301cole"
    assert parse_filter([decomposed, f"name:{decomposed}"]) == Filter(
        terms=(Term("name", ":", composed),), words=(composed,)
    )
    assert parse_filter(f"{decomposed} name:{decomposed}") == parse_filter(
        [composed, f"name:{composed}"]
    )


@pytest.mark.parametrize(
    "args",
    [
        ["name:" + "a" * 1_000],
        ["a" * 1_001],
        ["tag:vip", "-company:" + "é" * 1_000],
        "tag:vip name:" + "a" * 1_000,
        '"' + "big deal " * 120 + '"',
    ],
    ids=["term", "word", "second-term", "string", "phrase"],
)
def test_words_longer_than_a_lookup_are_refused(args: list[str] | str) -> None:
    """Past 1,000 characters a value could pass SQLite's LIKE pattern limit: refused, in a
    short message that does not repeat it."""
    with pytest.raises(InvalidInput, match="filter word too long") as refused:
        parse_filter(args)
    assert len(str(refused.value)) < 200


def test_words_of_1000_characters_are_read() -> None:
    f = parse_filter(["name:" + "a" * 995, "b" * 1_000])
    assert f.terms == (Term("name", ":", "a" * 995),)
    assert f.words == ("b" * 1_000,)
