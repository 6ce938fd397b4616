"""Admin routes for tests and demos: inject and clear faults, wipe and reseed the data."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from actions.backend.dependencies import ClockDep, DatabaseDep
from actions.backend.faults import FaultInjector, FaultPlan
from actions.backend.schemas import FaultRequest, FaultState
from actions.backend.seed import reseed

__all__ = ["router"]

router = APIRouter(prefix="/admin", tags=["admin"])


def _injector(request: Request) -> FaultInjector:
    injector: FaultInjector = request.app.state.faults
    return injector


@router.post("/faults", response_model=FaultRequest)
async def set_faults(body: FaultRequest, request: Request) -> FaultRequest:
    """Replace the fault plan; the answer shows it with ``fail_rate`` resolved."""
    plan = FaultPlan(
        delay_ms=body.delay_ms,
        fail_rate=body.effective_fail_rate(),
        status=body.status,
        garbage=body.garbage,
        paths=tuple(body.paths),
        times=body.times,
    )
    _injector(request).set(plan)
    return body.model_copy(update={"fail_rate": plan.fail_rate})


@router.get("/faults", response_model=FaultState)
async def get_faults(request: Request) -> FaultState:
    plan = _injector(request).plan
    if plan is None:
        return FaultState(active=False)
    return FaultState(
        active=True,
        delay_ms=plan.delay_ms,
        fail_rate=plan.fail_rate,
        status=plan.status,
        garbage=plan.garbage,
        paths=list(plan.paths),
        times=plan.times,
    )


@router.delete("/faults", status_code=204)
async def clear_faults(request: Request) -> Response:
    _injector(request).clear()
    return Response(status_code=204)


@router.post("/reset")
async def reset_data(db: DatabaseDep, clock: ClockDep) -> dict[str, str]:
    """Wipe everything (players, outbox, rate limits, codes) and seed afresh, relative to now."""
    await db.run(reseed, clock.now())
    return {"status": "reseeded"}
