"""The official MCP Python SDK (`mcp` on PyPI) drives `waymark serve --mcp` as a subprocess.

Run by scripts/test after `swift test`, with WAYMARK_BIN set and libpq's PG* variables naming
the database. It builds a small generated population in a schema of its own (dropped at the
end), then, through the SDK's stdio client: initialises, lists tools, resources and prompts,
calls every tool, reads every resource, gets the prompt, and checks that bad arguments come
back as tool errors an assistant can read and that a read-only server refuses the write.

    python Tests/mcp/test_mcp_client.py
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = Path(__file__).resolve().parents[2]
WAYMARK = os.environ.get("WAYMARK_BIN") or str(ROOT / ".build" / "debug" / "waymark")
SCHEMA = "mcptest_" + uuid.uuid4().hex[:12]
END = (date.today() - timedelta(days=1)).isoformat()
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1


def psql(sql):
    url = os.environ.get("WAYMARK_DATABASE_URL")
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "SET client_min_messages = warning; " + sql]
    if url:
        command.insert(2, url)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def environment():
    env = dict(os.environ)
    env["PGOPTIONS"] = f"-c search_path={SCHEMA}"
    return env


def waymark(*args):
    result = subprocess.run([WAYMARK, *args], env=environment(), capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise RuntimeError(f"waymark {' '.join(args)} exited {result.returncode}")


def populate(folder):
    waymark("migrate")
    waymark("generate", "--clients", "200", "--seed", "19", "--end", END, "--out", folder)
    for kind in ["products", "clients", "purchases", "events", "interactions", "responses"]:
        waymark("import", kind, f"{folder}/{kind}.csv")
    waymark("catalog", "load", str(ROOT / "catalog" / "examples" / "financial-advisor.yaml"))
    waymark("score", "--as-of", END)


def server(*extra):
    return StdioServerParameters(command=WAYMARK, args=["serve", "--mcp", *extra], env=environment())


def text_of(result):
    return "\n".join(block.text for block in result.content if block.type == "text")


async def read_write_session():
    async with stdio_client(server("--allow-writes")) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check(init.server_info.name == "waymark", "serverInfo.name")
            check(init.protocol_version in ("2025-06-18", "2025-03-26", "2024-11-05"), f"protocol version {init.protocol_version}")
            check(init.capabilities.tools is not None and init.capabilities.resources is not None
                  and init.capabilities.prompts is not None, "capabilities")
            await session.send_ping()

            tools = {tool.name: tool for tool in (await session.list_tools()).tools}
            check(set(tools) == {"recommend", "profile", "explain_decision", "search_clients", "record_response"}, f"tools {sorted(tools)}")
            for name, tool in tools.items():
                check(tool.input_schema.get("type") == "object", f"{name} has an input schema")
                check(tool.annotations is not None, f"{name} has annotations")
            check(tools["record_response"].annotations.read_only_hint is False
                  and tools["record_response"].annotations.destructive_hint is False, "record_response is the write")
            check(all(tools[n].annotations.read_only_hint for n in tools if n != "record_response"), "the others only read")

            found = await session.call_tool("search_clients", {"id_prefix": "C00000", "limit": 5})
            check(not found.is_error, f"search_clients: {text_of(found)}")
            clients = found.structured_content["clients"]
            check(len(clients) == 5 and found.structured_content["truncated"], "search_clients is bounded")
            segment = clients[0]["segment"]
            by_segment = await session.call_tool("search_clients", {"segment": segment, "limit": 50})
            check(not by_segment.is_error and all(c["segment"] == segment for c in by_segment.structured_content["clients"]), "by segment")

            # A client the last run recommended something to, for explain_decision.
            chosen = None
            for candidate in by_segment.structured_content["clients"] + clients:
                answer = await session.call_tool("explain_decision", {"client_id": candidate["client_id"], "item_id": "no-such-item"})
                if not answer.is_error or "Unknown item" not in text_of(answer):
                    continue
                profile = await session.call_tool("profile", {"client_id": candidate["client_id"]})
                last_run = profile.structured_content.get("last_run")
                if last_run and last_run.get("recommendations"):
                    chosen = (candidate["client_id"], last_run["recommendations"][0]["item"])
                    break
            check(chosen is not None, "a client with a stored recommendation")
            client_id, item_id = chosen

            recommend = await session.call_tool("recommend", {"client_id": client_id, "top": 3, "why_not": True})
            check(not recommend.is_error, f"recommend: {text_of(recommend)}")
            check(recommend.structured_content["client_id"] == client_id, "recommend's structured content")
            check("not_recommended" in recommend.structured_content, "why_not lists the items left out")
            check(client_id in text_of(recommend) and "stage" in text_of(recommend), "recommend's summary")

            profile = await session.call_tool("profile", {"client_id": client_id})
            check(not profile.is_error and profile.structured_content["client_id"] == client_id, f"profile: {text_of(profile)}")

            decision = await session.call_tool("explain_decision", {"client_id": client_id, "item_id": item_id})
            check(not decision.is_error and decision.structured_content["recommended"] is True, f"explain_decision: {text_of(decision)}")
            check("explanation" in decision.structured_content["decision"], "the stored explanation")

            response_id = "R-mcp-" + uuid.uuid4().hex[:8]
            arguments = {"response_id": response_id, "client_id": client_id, "item_id": item_id, "channel": "email",
                         "presented_at": END + "T10:00:00Z", "outcome": "declined", "responded_at": END + "T11:00:00Z"}
            recorded = await session.call_tool("record_response", arguments)
            check(not recorded.is_error and recorded.structured_content["status"] == "inserted", f"record_response: {text_of(recorded)}")
            again = await session.call_tool("record_response", arguments)
            check(not again.is_error and again.structured_content["status"] != "inserted", "record_response is idempotent")

            # Bad arguments: tool results with isError and a readable text.
            bad = await session.call_tool("recommend", {"client_id": client_id, "top": "three", "colour": 1})
            check(bad.is_error and "top" in text_of(bad) and "colour" in text_of(bad), f"bad arguments: {text_of(bad)}")
            missing = await session.call_tool("recommend", {})
            check(missing.is_error and "client_id" in text_of(missing), "a missing argument")
            unknown = await session.call_tool("profile", {"client_id": "NOBODY"})
            check(unknown.is_error and "NOBODY" in text_of(unknown), f"unknown client: {text_of(unknown)}")
            wide = await session.call_tool("search_clients", {"limit": 500})
            check(wide.is_error and "limit" in text_of(wide), "the search is bounded")

            resources = {str(r.uri): r for r in (await session.list_resources()).resources}
            check(set(resources) == {"waymark://catalog", "waymark://facts"}, f"resources {sorted(resources)}")
            catalog = await session.read_resource("waymark://catalog")
            items = json.loads(catalog.contents[0].text)["items"]
            check(any(item["id"] == item_id for item in items) and all("title" in item and "when" in item for item in items), "the catalog")
            facts = await session.read_resource("waymark://facts")
            check(facts.contents[0].mime_type == "text/markdown" and "`clv_12m`" in facts.contents[0].text, "the facts")

            prompts = {p.name: p for p in (await session.list_prompts()).prompts}
            check(set(prompts) == {"prepare_meeting"}, f"prompts {sorted(prompts)}")
            prompt = await session.get_prompt("prepare_meeting", {"client_id": client_id})
            check(client_id in prompt.messages[0].content.text and "recommend" in prompt.messages[0].content.text, "the prompt")

            # Protocol errors stay JSON-RPC errors.
            try:
                await session.call_tool("recomend", {"client_id": client_id})
                unknown_tool = None
            except Exception as error:  # McpError
                unknown_tool = error
            check(unknown_tool is not None and "recomend" in str(unknown_tool), "an unknown tool is a protocol error")
            print(f"  recommend for {client_id}:\n    " + text_of(recommend).replace("\n", "\n    ")[:600])


async def read_only_session():
    async with stdio_client(server()) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            names = {tool.name for tool in (await session.list_tools()).tools}
            check("record_response" not in names, "read-only: record_response is not listed")
            refused = await session.call_tool("record_response", {"response_id": "R1", "client_id": "C0000001", "item_id": "x",
                                                                  "channel": "email", "presented_at": END + "T10:00:00Z", "outcome": "accepted"})
            check(refused.is_error and "--allow-writes" in text_of(refused), "read-only: record_response is a tool error")


def main():
    psql(f"CREATE SCHEMA {SCHEMA}")
    try:
        with tempfile.TemporaryDirectory() as folder:
            populate(folder)
        asyncio.run(read_write_session())
        asyncio.run(read_only_session())
    finally:
        psql(f"DROP SCHEMA {SCHEMA} CASCADE")
    print("mcp client test: the Python SDK driving waymark serve --mcp")
    print(f"mcp: {checks} passed, 0 failed")


if __name__ == "__main__":
    main()
