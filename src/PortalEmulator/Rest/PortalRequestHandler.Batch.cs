using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Rest;

/// <summary><c>batch</c>: up to 50 commands run as one request, and the <c>time</c> object every answer carries.</summary>
public sealed partial class PortalRequestHandler
{
    JsonObject Batch(Portal portal, PortalUser user, TokenGrant grant, JsonObject parameters, DateTimeOffset arrived)
    {
        var halt = RestCall.AsString(parameters["halt"]) is "1" or "Y" or "true";
        var commands = parameters["cmd"] switch
        {
            JsonObject obj => obj.Select(p => (Key: p.Key, Command: RestCall.AsString(p.Value))).ToList(),
            JsonArray array => array.Select((n, i) => (Key: i.ToString(CultureInfo.InvariantCulture), Command: RestCall.AsString(n))).ToList(),
            _ => [],
        };
        if (commands.Count > MaxBatchCommands)
        {
            throw new RestError(400, "ERROR_BATCH_LENGTH_EXCEEDED", $"Max batch length exceeded ({MaxBatchCommands})");
        }

        var keyedByIndex = parameters["cmd"] is JsonArray;
        var results = new JsonObject();
        var errors = new JsonObject();
        var totals = new JsonObject();
        var nexts = new JsonObject();
        var times = new JsonObject();
        foreach (var (key, command) in commands)
        {
            var started = emulator.Time.GetUtcNow();
            var stopwatch = Stopwatch.StartNew();
            var question = (command ?? "").IndexOf('?', StringComparison.Ordinal);
            var method = (question < 0 ? command ?? "" : command![..question]).Trim().ToLowerInvariant();
            var query = question < 0 ? "" : command![(question + 1)..];
            var inner = PhpQuery.DecodeQueryString(query);
            inner.Remove("auth");
            try
            {
                if (method == "batch")
                {
                    throw new RestError(405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage");
                }

                if (portal.Faults.Take(method, inBatch: true) is { Error: not null } fault)
                {
                    throw new RestError(fault.Status, fault.Error, fault.ErrorDescription ?? fault.Error);
                }

                var result = Invoke(portal, user, grant, method, inner);
                results[key] = result.Result;
                if (result.Total is not null)
                {
                    totals[key] = result.Total;
                }

                if (result.Next is not null)
                {
                    nexts[key] = result.Next;
                }

                Log(portal, new RequestLogEntry(method, inner.DeepClone(), user.Id, 200, null, true, arrived));
            }
            catch (RestError error)
            {
                errors[key] = new JsonObject { ["error"] = error.Code, ["error_description"] = error.Description };
                Log(portal, new RequestLogEntry(method, inner.DeepClone(), user.Id, error.Status, error.Code, true, arrived));
                if (halt)
                {
                    times[key] = TimeObject(portal, method, started, stopwatch.Elapsed);
                    break;
                }
            }

            times[key] = TimeObject(portal, method, started, stopwatch.Elapsed);
        }

        // Like PHP's json_encode: a map keyed 0..n-1 is a list, any other map (a gap left by a failed command) an object.
        JsonNode Shape(JsonObject o) =>
            keyedByIndex && o.Select((p, i) => p.Key == i.ToString(CultureInfo.InvariantCulture)).All(b => b)
                ? new JsonArray(o.Select(p => p.Value?.DeepClone()).ToArray())
                : o;

        // Empty maps come back as [] from PHP; keyed results stay objects.
        JsonNode ShapeOrEmpty(JsonObject o) => o.Count == 0 ? new JsonArray() : Shape(o);
        return new JsonObject
        {
            ["result"] = new JsonObject
            {
                ["result"] = ShapeOrEmpty(results),
                ["result_error"] = ShapeOrEmpty(errors),
                ["result_total"] = ShapeOrEmpty(totals),
                ["result_next"] = ShapeOrEmpty(nexts),
                ["result_time"] = ShapeOrEmpty(times),
            },
        };
    }

    JsonObject TimeObject(Portal portal, string method, DateTimeOffset started, TimeSpan elapsed)
    {
        var finished = started + elapsed;
        var (used, resetAt) = portal.Operating.Read(method);
        return new JsonObject
        {
            ["start"] = started.ToUnixTimeMilliseconds() / 1000.0,
            ["finish"] = finished.ToUnixTimeMilliseconds() / 1000.0,
            ["duration"] = elapsed.TotalSeconds,
            ["processing"] = elapsed.TotalSeconds,
            ["date_start"] = started.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            ["date_finish"] = finished.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            ["operating_reset_at"] = resetAt.ToUnixTimeSeconds(),
            ["operating"] = used,
        };
    }
}
