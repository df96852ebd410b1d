using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>How a portal misbehaves and what it saw: faults, quirks, limits, load from other apps, operating time, the request log.</summary>
public static partial class ControlEndpoints
{
    static Task<IResult> AddFault(HttpRequest request) => Guard(async () =>
    {
        var portal = PortalOf(request.HttpContext);

        var body = await BodyAsync(request);
        var method = RequiredString(body, "method").ToLowerInvariant();
        var count = OptionalNumber(body, "count") ?? 1;
        var share = OptionalNumber(body, "share") ?? 0;
        if (count < 1 && share <= 0)
        {
            throw new BadRequest("'count' must be at least 1, or 'share' above 0");
        }

        if (share is < 0 or > 1)
        {
            throw new BadRequest("'share' must be between 0 and 1");
        }

        var mode = (OptionalString(body, "mode") ?? "error") switch
        {
            "error" => FaultMode.Error,
            "hang" => FaultMode.Hang,
            "drop" => FaultMode.Drop,
            "commitThenDrop" => FaultMode.CommitThenDrop,
            "commitThenHang" => FaultMode.CommitThenHang,
            _ => throw new BadRequest("'mode' must be error, hang, drop, commitThenDrop or commitThenHang"),
        };
        var error = OptionalString(body, "error");
        var status = (int)(OptionalNumber(body, "status") ?? (error is null ? 0 : 500));
        if (mode == FaultMode.Error && error is null && OptionalString(body, "rawBody") is null)
        {
            throw new BadRequest("'error' (or 'rawBody') is required for mode error");
        }

        if (OptionalString(body, "rawBody") is not null && status == 0)
        {
            status = 500;
        }

        if (error is not null && status is < 200 or > 599)
        {
            throw new BadRequest("'status' must be an HTTP status");
        }

        portal.Faults.Add(new Fault
        {
            Method = method,
            Remaining = (int)count,
            Skip = (int)(OptionalNumber(body, "skip") ?? 0),
            Share = share,
            Mode = mode,
            Status = status,
            Error = error,
            ErrorDescription = OptionalString(body, "errorDescription"),
            Delay = TimeSpan.FromMilliseconds(OptionalNumber(body, "delayMs") ?? 120_000),
            RawBody = OptionalString(body, "rawBody"),
            Location = OptionalString(body, "location"),
        });
        return Results.NoContent();
    });

    /// <summary>The OAuth server's next <c>count</c> answers on <c>path</c> (token or app.info) come late, or as an error.</summary>
    static Task<IResult> AddOAuthFault(HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        var body = await BodyAsync(request);
        var path = RequiredString(body, "path");
        if (path is not ("token" or "app.info"))
        {
            throw new BadRequest("'path' must be token or app.info");
        }

        var count = OptionalNumber(body, "count") ?? 1;
        var delay = OptionalNumber(body, "delayMs") ?? 0;
        var error = OptionalString(body, "error");
        // "hang" (the default): late before anything happens; "commitThenHang": the grant is made, then its answer is late.
        var mode = (OptionalString(body, "mode") ?? "hang") switch
        {
            "hang" => FaultMode.Hang,
            "commitThenHang" when error is null => FaultMode.CommitThenHang,
            _ => throw new BadRequest("'mode' must be hang or commitThenHang (which takes no 'error')"),
        };
        if (count < 1 || delay < 0 || (error is null && delay == 0))
        {
            throw new BadRequest("'count' must be at least 1, and a fault needs 'delayMs' above 0 or an 'error'");
        }

        emulator.OAuthFaults.Add(new Fault
        {
            Method = path,
            Remaining = (int)count,
            Mode = mode,
            Delay = TimeSpan.FromMilliseconds(delay),
            Error = error,
            Status = (int)(OptionalNumber(body, "status") ?? 400),
            ErrorDescription = OptionalString(body, "errorDescription"),
        });
        return Results.NoContent();
    });

    static IResult SetQuirks(QuirksChange change, HttpContext context)
    {
        var portal = PortalOf(context);
        portal.Quirks.IgnoreStart = change.IgnoreStart ?? portal.Quirks.IgnoreStart;
        portal.Quirks.PadRowsBytes = change.PadRowsBytes ?? portal.Quirks.PadRowsBytes;
        return Results.NoContent();
    }

    static IResult ClearFaults(HttpRequest request)
    {
        var portal = PortalOf(request.HttpContext);

        portal.Faults.Clear();
        return Results.NoContent();
    }

    static IResult PortalRequests(HttpRequest request)
    {
        var portal = PortalOf(request.HttpContext);

        lock (portal.Sync)
        {
            return Results.Json(portal.RequestLog.Select(e => new
            {
                method = e.Method,
                @params = e.Params?.DeepClone(),
                userId = e.UserId,
                status = e.Status,
                error = e.Error,
                inBatch = e.InBatch,
                at = e.At.ToUnixTimeMilliseconds(),
            }).ToList());
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
        return Results.Json(new { accepted, rejected = requests - accepted });
    }

    static IResult AddOperatingTime(OperatingTimeRequest time, HttpContext context)
    {
        PortalOf(context).Operating.Add(time.Method!.ToLowerInvariant(), time.Seconds!.Value);
        return Results.NoContent();
    }
}
