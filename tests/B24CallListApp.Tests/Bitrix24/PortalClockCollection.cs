namespace B24CallListApp.Tests.Bitrix24;

/// <summary>
/// Tests that assert on the portal's own clock (every window of arrivals within the bucket) run alone,
/// after the others: on two cores, the rest of the suite running beside them bunches requests and
/// measures the machine's load, not the limiter.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PortalClockCollection
{
    public const string Name = "portal clock";
}

/// <summary>Tests that measure the process's memory run alone, after the others: the rest of the suite allocates in the same process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasuredCollection
{
    public const string Name = "memory measured";
}

/// <summary>
/// Tests that read OpenTelemetry's exporters run alone, after the others: activity sources and meters are the
/// process's, so another app instance's saves in the same test run would be counted too.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}
