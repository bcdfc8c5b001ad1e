"""An in-memory hand-over between the steps of a run that lets a value go once it is used.

Dagster's `InMemoryIOManager` keeps every output until the run ends. For a refresh that is
the whole file several times over: the organisation matches are still held while the
rules and the checks run, though only person matching reads them. Assets whose outputs
are large and read by one or two later steps are let go by this manager as soon as every
step of the run that reads them has finished. It knows a step has finished when it
handles the step's output, so it is the default manager of every step; a step with no
output of its own (an asset check) never counts as finished, and what it reads is kept
to the end of the run, as before.
"""

from __future__ import annotations

from dagster import (
    DagsterInvariantViolationError,
    InitResourceContext,
    InputContext,
    IOManager,
    OutputContext,
    io_manager,
)

from pipelines.memory import release_freed_memory


class HandOverIOManager(IOManager):
    """Values in memory, each kept until the steps of this run that read it have finished
    (a step that is retried reads its inputs again, so "read" is not enough). A value no
    step of the run reads is kept to the end, as Dagster's in-memory manager does, so that
    the run's result can still show it."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, ...], object] = {}
        self._readers: dict[tuple[str, ...], frozenset[str]] = {}
        self._finished: set[str] = set()

    def handle_output(self, context: OutputContext, obj: object) -> None:
        key = tuple(context.get_identifier())
        self.values[key] = obj
        self._readers[key] = _readers(context)
        # Outputs are handled when a step's work is done: it read all its inputs before.
        self._finished.add(context.step_key)
        let_go = False
        for done in [k for k, readers in self._readers.items() if readers <= self._finished]:
            if self._readers[done]:
                del self.values[done], self._readers[done]
                let_go = True
        if let_go:
            release_freed_memory()

    def load_input(self, context: InputContext) -> object:
        key = tuple(context.get_identifier())
        if key not in self.values:
            raise KeyError(
                f"{context.upstream_output.step_key if context.upstream_output else key}: "
                "its value was let go after the steps that read it finished"
            )
        return self.values[key]


@io_manager(description="In memory; a value is let go once the steps that read it finished.")
def handover_io_manager(_context: InitResourceContext) -> HandOverIOManager:
    """A new manager for each run: step keys repeat from run to run."""
    return HandOverIOManager()


def _readers(context: OutputContext) -> frozenset[str]:
    """The steps of this run's plan that take this output as an input."""
    try:
        plan = context.step_context.execution_plan
    except DagsterInvariantViolationError:  # a context built outside a run: keep the value
        return frozenset()
    return frozenset(
        step.key
        for step in plan.get_steps_to_execute_in_topo_order()
        for step_input in step.step_inputs
        for handle in step_input.get_step_output_handle_dependencies()
        if handle.step_key == context.step_key and handle.output_name == context.name
    )


__all__ = ["HandOverIOManager", "handover_io_manager"]
