using System.Diagnostics.Metrics;

namespace B24CallListApp.Portals;

/// <summary>Page sessions renewed through the portal (meter <c>B24CallListApp.Portals</c>, counter <c>sessions.renewals</c> by outcome).</summary>
public sealed class PortalMetrics
{
    public const string MeterName = "B24CallListApp.Portals";

    readonly Counter<long> _renewals;

    public PortalMetrics(IMeterFactory meters) =>
        _renewals = meters.Create(MeterName).CreateCounter<long>("sessions.renewals", "{renewal}", "Page sessions renewed through the portal (refreshAuth), by outcome (renewed, refused).");

    public void Renewal(bool renewed) => _renewals.Add(1, new KeyValuePair<string, object?>("outcome", renewed ? "renewed" : "refused"));
}
