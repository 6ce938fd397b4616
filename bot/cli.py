"""The ``bot`` command: Rasa's verbs and flags (train, test, run, shell, data validate),
and Destek's ``agents`` (:mod:`bot.cli_agents`)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bot import __version__
from bot.cli_agents import add_agents_parser
from bot.cli_privacy import add_privacy_parser
from bot.cli_report import add_report_parser
from bot.errors import DestekError

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["main"]

console = Console(stderr=True)
out = Console()
# Seconds a stopping server gives running requests (a turn with slow actions) to finish.
GRACEFUL_SHUTDOWN = 30
KEEP_ALIVE = 5  # seconds an idle keep-alive HTTP connection stays open
WS_PING = 20.0  # seconds between websocket pings, and to wait for the pong


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar driven by ``(step_name, done, total)`` callbacks."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=None, step="")

        def update(step: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, step=step)

        yield update


def _default_nlu_paths(args: argparse.Namespace) -> list[Path]:
    return [Path(p) for p in (args.nlu or ["data"])]


# -- train ----------------------------------------------------------------------------
def cmd_train_nlu(args: argparse.Namespace) -> int:
    from bot.workbench.training import train_nlu

    with progress_bar("training NLU") as update:
        result = train_nlu(
            Path(args.config),
            _default_nlu_paths(args),
            Path(args.out),
            args.fixed_model_name,
            progress=update,
        )
    console.print(
        f"[green]Trained[/] {result.intents} intents on {result.examples} examples in "
        f"{result.seconds:.1f}s → [bold]{result.path}[/]"
    )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bot.workbench.training import train

    with progress_bar("training") as update:
        result = train(
            Path(args.config),
            Path(args.domain),
            [Path(p) for p in args.data],
            Path(args.out),
            args.fixed_model_name,
            progress=update,
        )
    console.print(
        f"[green]Trained[/] {result.intents} intents on {result.examples} examples and "
        f"{result.stories} stories, {result.rules} rules in {result.seconds:.1f}s → "
        f"[bold]{result.path}[/]"
    )
    return 0


# -- test -----------------------------------------------------------------------------
def cmd_test_nlu(args: argparse.Namespace) -> int:
    from bot.workbench import nlu_test

    nlu = [Path(p) for p in args.nlu] if args.nlu else None
    out_dir = Path(args.out)
    if args.cross_validation:
        with progress_bar(f"{args.folds}-fold cross-validation") as update:
            report = nlu_test.cross_validate(
                Path(args.config), nlu or [Path("data")], args.folds, out_dir, progress=update
            )
    else:
        if nlu is None:
            heldout = Path("data/tests/nlu_heldout.yml")
            nlu = [heldout] if heldout.exists() else [Path("data")]
        with progress_bar("testing NLU") as update:
            report = nlu_test.evaluate_model(Path(args.model), nlu, out_dir, progress=update)
    out.print(report.summary())
    return 0


def cmd_test_core(args: argparse.Namespace) -> int:
    from bot.workbench.core_test import run_story_tests

    out_dir = Path(args.out)
    report = run_story_tests(Path(args.model), [Path(p) for p in args.stories], out_dir)
    out.print(report.summary())
    out.print(f"Reports written to [bold]{out_dir}[/]")
    return 1 if args.fail_on_prediction_errors and report.failed else 0


def cmd_test(args: argparse.Namespace) -> int:
    """``bot test`` without a part: NLU, then the test stories."""
    args.cross_validation = False
    args.folds = 5
    nlu = cmd_test_nlu(args)
    return max(nlu, cmd_test_core(args))


# -- shell ----------------------------------------------------------------------------
def cmd_shell(args: argparse.Namespace) -> int:
    from bot.workbench.dialogue_shell import run_shell

    return run_shell(Path(args.model), Path(args.endpoints), out)


def cmd_shell_nlu(args: argparse.Namespace) -> int:
    from bot.workbench.nlu_shell import run_nlu_shell

    return run_nlu_shell(Path(args.model), out)


# -- data validate --------------------------------------------------------------------
def cmd_data_validate(args: argparse.Namespace) -> int:
    from bot.workbench.validation_report import validate_files

    return validate_files(
        domain=Path(args.domain),
        data=[Path(p) for p in args.data],
        config=Path(args.config),
        fail_on_warnings=args.fail_on_warnings,
        console=out,
    )


# -- run ------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    import contextlib

    import uvicorn

    from bot.config import read_endpoints
    from bot.log_format import configure_logging
    from bot.model_storage import load_model
    from bot.server import create_app
    from bot.server.embedded import EmbeddedServices
    from bot.server.workers import serve_workers
    from bot.settings import Settings

    given: dict[str, Any] = {"auth_token": args.auth_token} if args.auth_token else {}
    settings = Settings(
        model=Path(args.model),
        host=args.interface,
        port=args.port,
        enable_api=args.enable_api,
        endpoints=Path(args.endpoints),
        credentials=Path(args.credentials),
        log_level=args.log_level.upper(),
        log_format=args.log_format,
        workers=args.workers,
        **given,  # else DESTEK_AUTH_TOKEN, if set
    )
    configure_logging(settings.log_level, settings.log_format)
    if settings.enable_api:  # never open by default: given, from a file, or made once
        settings = _with_api_token(settings, args.auth_token_file)
    # The sentence encoder's OpenMP threads sleep between calls instead of spinning: a
    # spinning team takes the cores the event loop needs (set before the engine loads).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    model = load_model(settings.model)  # fail fast, before the server starts
    embedded: EmbeddedServices | None = None
    if not args.no_embedded_services and settings.endpoints.exists():
        action = read_endpoints(settings.endpoints).action_endpoint
        embedded = EmbeddedServices(action.url if action else None, Path.cwd())
    # uvicorn re-raises SIGTERM once it has shut down; turned into SystemExit here, it
    # unwinds the `with` below, so the embedded services stop with the bot.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with embedded or contextlib.nullcontext():
        if embedded is not None and embedded.backend_env:  # the console reads it too
            settings = settings.model_copy(update=_backend_settings(embedded.backend_env))
        if embedded is not None and embedded.action_token:  # the engine shows it to them
            settings = settings.model_copy(update=_action_token(embedded.action_token))
        app = create_app(settings, model)  # checks credentials.yml and endpoints.yml
        console.print(
            f"Loaded [bold]{model.name}[/]; serving on http://{args.interface}:{args.port}"
            + (f" with {settings.workers} workers" if settings.workers > 1 else "")
        )
        options: dict[str, Any] = {
            "log_config": None,  # configure_logging's handler serves uvicorn too
            "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN,
            # Chat frames are a few hundred bytes: compressing each one costs the event
            # loop more than it saves on the wire (fanning a queue change out to every
            # console is most of the sockets' CPU otherwise).
            "ws_per_message_deflate": False,
            # Half-open and idle connections do not hold a socket for long: an idle
            # keep-alive connection closes after 5 s, and a websocket whose client does
            # not answer a ping within 20 s (one every 20 s) is closed.
            "timeout_keep_alive": KEEP_ALIVE,
            "ws_ping_interval": WS_PING,
            "ws_ping_timeout": WS_PING,
        }
        if settings.workers == 1:
            uvicorn.run(app, host=settings.host, port=settings.port, **options)
        else:
            # Each worker builds its own app from these settings, and its sentence
            # encoder gets its share of the cores: OpenMP teams of several processes
            # that each take every core spin against each other.
            os.environ.update(settings.as_environment())
            cores = max(1, (os.cpu_count() or 1) // settings.workers)
            os.environ.setdefault("OMP_NUM_THREADS", str(cores))
            serve_workers(
                settings.workers, settings.host, settings.port, options,
                settings.log_level, settings.log_format,
            )  # fmt: skip
    return 0


def _with_api_token(settings: Settings, token_file: str | None) -> Settings:
    """The settings with the HTTP API's token resolved (see :mod:`bot.server.auth`)."""
    from bot.server.auth import project_api_token

    if token_file:
        settings = settings.model_copy(update={"auth_token_file": Path(token_file)})
    return settings.model_copy(update={"auth_token": project_api_token(settings)})


def _action_token(token: str) -> dict[str, Any]:
    """The setting for the secret of the action server ``bot run`` started."""
    from pydantic import SecretStr

    return {"action_token": SecretStr(token)}


def _backend_settings(env: dict[str, str]) -> dict[str, Any]:
    """The settings of the mock backend ``bot run`` started, from its variables."""
    from pydantic import SecretStr

    return {
        "backend_url": env["DESTEK_BACKEND_URL"],
        "backend_token": SecretStr(env["DESTEK_BACKEND_TOKEN"]),
    }


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def cmd_run_actions(args: argparse.Namespace) -> int:
    """``bot run actions``: rasa_sdk's own action server for the project's actions package,
    answering only the engine when a secret is set (:mod:`bot.action_server`)."""
    from bot.action_server import build_action_app, read_token_file
    from bot.settings import Settings

    if args.token_file:
        secret: str | None = read_token_file(Path(args.token_file))
    else:
        token = Settings().action_token  # DESTEK_ACTION_TOKEN; set but empty counts as unset
        secret = token.get_secret_value() or None if token is not None else None
    app, names = build_action_app(
        args.actions, secret, token_name=args.token_name, cors=args.cors,
        auto_reload=args.auto_reload,
    )  # fmt: skip
    console.print(
        f"Actions: {', '.join(names) or 'none'}; serving on http://{args.interface}:{args.port}"
    )
    if secret is None:
        console.print(
            "[yellow]warning:[/] no DESTEK_ACTION_TOKEN or --token-file: anyone who reaches "
            f"port {args.port} can run the actions",
            highlight=False,
        )
    app.run(
        host=args.interface,
        port=args.port,
        single_process=True,
        access_log=args.debug,
    )
    return 0


def _add_model(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-m",
        "--model",
        default="models",
        help="a model archive, or a directory whose newest model is used",
    )


def _add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", default="config.yml", help="pipeline and policies")


def _add_core_test_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stories", nargs="+", default=["data/tests/test_stories.yml"], help="test stories"
    )
    p.add_argument("--out", default="results", help="where the reports go")
    p.add_argument(
        "--fail-on-prediction-errors",
        action="store_true",
        help="exit 1 when a test story fails",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot", description="Destek: Turkish support bots with human handover."
    )
    parser.add_argument("--version", action="version", version=f"Destek {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)

    train = verbs.add_parser("train", help="train a model from config and data")
    _add_config(train)
    train.add_argument("-d", "--domain", default="domain.yml")
    train.add_argument("--data", nargs="+", default=["data"], help="training data files or dirs")
    train.add_argument("--out", default="models", help="where the model archive goes")
    train.add_argument("--fixed-model-name", help="name the archive NAME.tar.gz")
    train.set_defaults(func=cmd_train)
    train_sub = train.add_subparsers(dest="part", metavar="PART")
    train_nlu = train_sub.add_parser("nlu", help="train the NLU pipeline only")
    _add_config(train_nlu)
    train_nlu.add_argument("--nlu", nargs="+", default=["data"], help="NLU data files or dirs")
    train_nlu.add_argument("--out", default="models")
    train_nlu.add_argument("--fixed-model-name")
    train_nlu.set_defaults(func=cmd_train_nlu)

    test = verbs.add_parser("test", help="evaluate a model (NLU and test stories)")
    _add_model(test)
    _add_config(test)
    _add_core_test_flags(test)
    test.add_argument("--nlu", nargs="+", help="test data (default data/tests/nlu_heldout.yml)")
    test.set_defaults(func=cmd_test)
    test_sub = test.add_subparsers(dest="part", metavar="PART")
    test_nlu = test_sub.add_parser("nlu", help="intent and entity reports")
    _add_model(test_nlu)
    _add_config(test_nlu)
    test_nlu.add_argument("--nlu", nargs="+", help="test data (default data/tests/nlu_heldout.yml)")
    test_nlu.add_argument("--out", default="results")
    test_nlu.add_argument("--cross-validation", action="store_true")
    test_nlu.add_argument("-f", "--folds", type=int, default=5)
    test_nlu.set_defaults(func=cmd_test_nlu)
    test_core = test_sub.add_parser("core", help="replay test stories, report the actions")
    _add_model(test_core)
    _add_core_test_flags(test_core)
    test_core.set_defaults(func=cmd_test_core)

    shell = verbs.add_parser("shell", help="talk to the bot in the terminal")
    _add_model(shell)
    shell.add_argument(
        "-e", "--endpoints", default="endpoints.yml", help="where the action server is"
    )
    shell.set_defaults(func=cmd_shell)
    shell_sub = shell.add_subparsers(dest="part", metavar="PART")
    shell_nlu = shell_sub.add_parser("nlu", help="see intent ranking and entities")
    _add_model(shell_nlu)
    shell_nlu.set_defaults(func=cmd_shell_nlu)

    data = verbs.add_parser("data", help="work with training data")
    data_sub = data.add_subparsers(dest="part", metavar="PART", required=True)
    validate = data_sub.add_parser("validate", help="check data, domain and config")
    validate.add_argument("-d", "--domain", default="domain.yml")
    validate.add_argument("--data", nargs="+", default=["data"])
    _add_config(validate)
    validate.add_argument("--fail-on-warnings", action="store_true")
    validate.set_defaults(func=cmd_data_validate)

    run = verbs.add_parser("run", help="start the server")
    _add_model(run)
    run.add_argument("--enable-api", action="store_true", help="serve the HTTP API")
    run.add_argument(
        "--auth-token", help="the HTTP API answers only requests with ?token=<this> (Rasa's)"
    )
    run.add_argument(
        "--auth-token-file",
        help="a file holding the HTTP API's token (default: DESTEK_AUTH_TOKEN, else one made "
        "once in .destek/api-token)",
    )
    run.add_argument("-p", "--port", type=int, default=5005)
    run.add_argument("-i", "--interface", default="0.0.0.0")
    run.add_argument("--log-level", default="info")
    run.add_argument(
        "--log-format", choices=["text", "json"], default="text", help="json: one object a line"
    )
    run.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="worker processes behind one port (more than 1 needs Redis locks and fan-out)",
    )
    run.add_argument("--endpoints", default="endpoints.yml", help="action server and stores")
    run.add_argument("--credentials", default="credentials.yml", help="channels")
    run.add_argument(
        "--no-embedded-services",
        action="store_true",
        help="do not start the action server and mock backend when nothing serves them",
    )
    run.set_defaults(func=cmd_run)
    run_sub = run.add_subparsers(dest="part", metavar="PART")
    actions = run_sub.add_parser("actions", help="start the custom action server (rasa_sdk)")
    actions.add_argument("--actions", default="actions", help="the actions package or module")
    actions.add_argument("-p", "--port", type=int, default=5055)
    actions.add_argument(
        "-i", "--interface", default="127.0.0.1", help="address to bind (0.0.0.0: every one)"
    )
    actions.add_argument(
        "--token-file",
        help="a file holding the secret the engine must send (default: $DESTEK_ACTION_TOKEN)",
    )
    actions.add_argument(
        "--token-name", default="token", help="the query parameter a Rasa engine sends it in"
    )
    actions.add_argument("--cors", nargs="*", default="*", help="allowed CORS origins")
    actions.add_argument("--auto-reload", action="store_true", help="reload changed actions")
    actions.set_defaults(func=cmd_run_actions)

    add_agents_parser(verbs)
    add_report_parser(verbs)
    add_privacy_parser(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except DestekError as exc:
        if args.debug:
            console.print_exception()
        # One line whatever the width: logs and CI read it whole, a file:line first.
        console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: say so briefly, the traceback is for --debug
        if args.debug:
            raise
        console.print(
            f"[red]unexpected error:[/] {type(exc).__name__}: {exc}\n"
            "Run again with --debug for the traceback, and please report it.",
            highlight=False,
            soft_wrap=True,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
