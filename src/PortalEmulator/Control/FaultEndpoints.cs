using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>How a portal misbehaves and what it saw: faults, quirks, limits, load from other apps, operating time, the request log.</summary>
public static partial class ControlEndpoints
{
    static IResult AddFault(FaultRequest request, HttpContext context)
    {
        var status = request.Status ?? (request.Error is null && request.RawBody is null ? 0 : 500);
        PortalOf(context).Faults.Add(new Fault
        {
            Method = request.Method!.ToLowerInvariant(),
            Remaining = request.Count ?? 1,
            Skip = request.Skip ?? 0,
            Share = request.Share ?? 0,
            Mode = ParseMode(request.Mode ?? "error"),
            Status = status,
            Error = request.Error,
            ErrorDescription = request.ErrorDescription,
            Delay = TimeSpan.FromMilliseconds(request.DelayMs ?? 120_000),
            RawBody = request.RawBody,
            Location = request.Location,
        });
        return Results.NoContent();
    }

    /// <summary>The OAuth server's next <c>count</c> answers on <c>path</c> (token or app.info) come late, or as an error.</summary>
    static IResult AddOAuthFault(OAuthFaultRequest request, Emulator emulator)
    {
        emulator.OAuthFaults.Add(new Fault
        {
            Method = request.Path!,
            Remaining = request.Count ?? 1,
            Mode = ParseMode(request.Mode ?? "hang"),
            Delay = TimeSpan.FromMilliseconds(request.DelayMs ?? 0),
            Error = request.Error,
            Status = request.Status ?? 400,
            ErrorDescription = request.ErrorDescription,
        });
        return Results.NoContent();
    }

    /// <summary>A mode the request's validation allowed.</summary>
    static FaultMode ParseMode(string mode) => mode switch
    {
        "hang" => FaultMode.Hang,
        "drop" => FaultMode.Drop,
        "commitThenDrop" => FaultMode.CommitThenDrop,
        "commitThenHang" => FaultMode.CommitThenHang,
        _ => FaultMode.Error,
    };

    static IResult SetQuirks(QuirksChange change, HttpContext context)
    {
        var portal = PortalOf(context);
        portal.Quirks.IgnoreStart = change.IgnoreStart ?? portal.Quirks.IgnoreStart;
        portal.Quirks.PadRowsBytes = change.PadRowsBytes ?? portal.Quirks.PadRowsBytes;
        return Results.NoContent();
    }

    static IResult ClearFaults(HttpContext context)
    {
        PortalOf(context).Faults.Clear();
        return Results.NoContent();
    }

    static IResult PortalRequests(HttpContext context)
    {
        var portal = PortalOf(context);
        lock (portal.Sync)
        {
            return Results.Json(portal.RequestLog
                .Select(e => new LoggedRequest(e.Method, e.Params?.DeepClone(), e.UserId, e.Status, e.Error, e.InBatch, e.At.ToUnixTimeMilliseconds()))
                .ToList());
        }
    }

    static IResult SetLimits(LimitsChange change, HttpContext context)
    {
        var portal = PortalOf(context);
        portal.Bucket.Configure(change.DrainPerSecond ?? portal.Bucket.DrainPerSecond, change.Capacity ?? portal.Bucket.Capacity);
        if (change.OperatingLimitSeconds is { } operating)
        {
            portal.Operating.LimitSeconds = operating;
        }

        return Results.NoContent();
    }

    /// <summary>
    /// Another app on the same portal spends its rate limit: Bitrix24 counts one bucket per portal (and
    /// address) for every app, so this app may find the bucket fuller than its own limiter thinks.
    /// </summary>
    static IResult ExternalLoad(ExternalLoadRequest load, HttpContext context)
    {
        var portal = PortalOf(context);
        var requests = load.Requests!.Value;
        var accepted = Enumerable.Range(0, requests).Count(_ => portal.Bucket.TryAdd());
        return Results.Json(new LoadAnswer(accepted, requests - accepted));
    }

    static IResult AddOperatingTime(OperatingTimeRequest time, HttpContext context)
    {
        PortalOf(context).Operating.Add(time.Method!.ToLowerInvariant(), time.Seconds!.Value);
        return Results.NoContent();
    }
}
