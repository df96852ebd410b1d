using System.ComponentModel.DataAnnotations;

namespace PortalEmulator;

/// <summary>Limits and lifetimes of the emulated portals; defaults are Bitrix24's.</summary>
public sealed class EmulatorOptions
{
    public const string Section = "Emulator";

    /// <summary>Leaky bucket drain per portal, requests per second.</summary>
    [Range(0.001, 100000)]
    public double DrainPerSecond { get; set; } = 2;

    /// <summary>Leaky bucket size per portal (the burst a portal accepts).</summary>
    [Range(1, 100000)]
    public double BucketCapacity { get; set; } = 50;

    [Range(1, 10 * 24 * 3600)]
    public int AccessTokenLifetimeSeconds { get; set; } = 3600;

    [Range(0.001, 1000000)]
    public double OperatingLimitSeconds { get; set; } = 480;

    [Range(1, 24 * 3600)]
    public int OperatingWindowSeconds { get; set; } = 600;

    /// <summary>A request that runs longer is cut off, as the real front end does.</summary>
    [Range(1, 3600)]
    public int RequestTimeLimitSeconds { get; set; } = 60;

    /// <summary>Address the portals' own listeners bind to.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";
}
