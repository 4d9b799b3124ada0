"""The portal app plus a plain hello endpoint through the same middleware: the bench's baseline."""

from api.main import create_app

app = create_app()


@app.get("/api/v1/bench/hello", include_in_schema=False)
async def bench_hello() -> dict[str, str]:
    return {"hello": "world"}
