import pytest

from evalscope.config import load_task
from evalscope.config.templates import benchmark_template_fields, check_template, template_fields
from evalscope.errors import ConfigError
from evalscope.run import check_task


@pytest.mark.parametrize("template,message", [
    ("{", "unclosed '{'"),
    ("}", "single '}'"),
    ("Q: {query", "unclosed '{'"),
    ("{0}", "positional placeholder {0}"),
    ("{}", "positional placeholder {}"),
    ("{query!x}", r"\{query!x\}.*conversions"),
    ("{query:>5}", "format specs"),
    ("{query.upper}", "only plain names"),
])
def test_bad_templates_are_config_errors(template, message):
    with pytest.raises(ConfigError, match=message):
        check_task(load_task({"datasets": ["gsm8k"], "dataset_args": {"gsm8k": {"prompt_template": template}}}))


@pytest.mark.parametrize("benchmark,template", [
    ("mmlu", "{query}\n{choices}\nOne of {letters}"),
    ("general_mcq", "{query}\n{choices}"),  # its default template is Chinese, chosen in code: declared fields
    ("general_vmcq", "{query} {choices}"),
    ("docvqa", 'Answer as JSON {"a": 1}: {question}'),  # {question} is replaced, not str.format: not checked
])
def test_what_each_benchmark_fills_passes(benchmark, template):
    check_task(load_task({"datasets": [benchmark], "dataset_args": {benchmark: {"prompt_template": template}}}))


def test_names_are_checked_against_what_the_benchmark_fills():
    with pytest.raises(ValueError, match=r"unknown placeholder \{foo\}.*fills \{query\}"):
        check_template("{foo} {query}", {"query"})
    with pytest.raises(ValueError, match=r"unknown placeholder \{choices\}"):
        check_template("{query}\n{choices}", {"query"})
    check_template("{query}\n{choices} {letters} {{literal}}", {"query", "choices", "letters"})
    assert template_fields("a {{b}} {query} {x}") == {"query", "x"}


def test_benchmark_fields_come_from_its_default_template_or_its_declaration():
    class Meta:
        prompt_template = "Pick one of {letters}.\n{query}\n{choices}"

    class Mcq:
        meta = Meta

    class Declared(Mcq):
        template_fields = ("query", "context")

    class Unchecked(Mcq):
        template_fields = None

    assert benchmark_template_fields(Mcq) == {"query", "choices", "letters"}
    assert benchmark_template_fields(Declared) == {"query", "context"}
    assert benchmark_template_fields(Unchecked) is None
