using System.Diagnostics.Metrics;

namespace B24CallListApp.Bitrix24;

/// <summary>
/// What the client does to portals, as OpenTelemetry metrics (meter <c>B24CallListApp.Bitrix24</c>):
/// requests by method and outcome, QUERY_LIMIT_EXCEEDED answers, the time calls wait for a portal's
/// limit, and refreshes granted and failed. No portal or user is a tag: the number of them is unbounded.
/// </summary>
public sealed class Bitrix24Metrics
{
    public const string MeterName = "B24CallListApp.Bitrix24";

    readonly Counter<long> _requests;
    readonly Counter<long> _limitExceeded;
    readonly Histogram<double> _limiterWait;
    readonly Counter<long> _refreshes;

    public Bitrix24Metrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("bitrix24.requests", "{request}", "HTTP requests sent to portals, by REST method and outcome (the HTTP status, or timeout, connection).");
        _limitExceeded = meter.CreateCounter<long>("bitrix24.query_limit_exceeded", "{answer}", "QUERY_LIMIT_EXCEEDED answers received from portals.");
        _limiterWait = meter.CreateHistogram<double>("bitrix24.limiter.wait", "s", "How long a request waited for its portal's rate limit before it was sent.");
        _refreshes = meter.CreateCounter<long>("bitrix24.refreshes", "{refresh}", "Token refreshes asked of the OAuth server, by outcome (granted, failed).");
    }

    public void Request(string method, string outcome) =>
        _requests.Add(1, new KeyValuePair<string, object?>("bitrix24.method", method), new KeyValuePair<string, object?>("outcome", outcome));

    public void LimitExceeded() => _limitExceeded.Add(1);

    public void LimiterWaited(TimeSpan wait) => _limiterWait.Record(wait.TotalSeconds);

    public void Refresh(bool granted) => _refreshes.Add(1, new KeyValuePair<string, object?>("outcome", granted ? "granted" : "failed"));
}
