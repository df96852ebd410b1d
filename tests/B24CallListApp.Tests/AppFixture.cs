using B24CallListApp.Data;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests;

/// <summary>
/// The app on a real loopback port (the emulator's portals POST to it), with a SQLite file of its
/// own and the emulator as its only trusted OAuth server.
/// </summary>
public class AppFixture : EmulatorFixture
{
    public string DatabasePath { get; } = Path.Combine(Path.GetTempPath(), $"b24calllist-{Guid.NewGuid():N}.db");

    public WebApplicationFactory<Program> Factory { get; private set; } = null!;

    public Uri AppUrl { get; private set; } = null!;

    /// <summary>Every log line of every app instance this fixture started.</summary>
    public LogSink Logs { get; } = new();

    public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Factory = CreateApp();
        AppUrl = AddressOf(Factory);
    }

    /// <summary>Settings a derived fixture adds to every app instance it starts.</summary>
    protected virtual Dictionary<string, string?> Settings() => [];

    /// <summary>An app instance on this fixture's database and emulator; a second one stands for a restart or another server.</summary>
    public WebApplicationFactory<Program> CreateApp(string environment = "Testing", IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        AppInstances.Start(InstanceSettings(settings), environment, services, Logs);

    /// <summary>The configuration of an instance on this fixture's database and emulator (for one started as a process, say).</summary>
    public Dictionary<string, string?> InstanceSettings(IDictionary<string, string?>? settings = null)
    {
        var values = AppInstances.EmulatorSettings(Control.BaseAddress, DatabasePath, new Dictionary<string, string?>
        {
            ["Bitrix24:RateLimit:BurstLimit"] = "1000",
            ["Bitrix24:RateLimit:RequestsPerSecond"] = "1000",
        });
        // The fixture's own settings (its database, say) for every instance it starts, then the test's.
        foreach (var (key, value) in Settings().Concat(settings ?? new Dictionary<string, string?>()))
        {
            values[key] = value;
        }

        return values;
    }

    public static Uri AddressOf(WebApplicationFactory<Program> factory) => AppInstances.AddressOf(factory);

    public override async Task DisposeAsync()
    {
        Http.Dispose();
        await Factory.DisposeAsync();
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm" })
        {
            File.Delete(file);
        }
    }

    /// <summary>A portal with the app registered at this app's URLs and installed by its admin.</summary>
    public async Task<EmulatedPortal> InstalledPortalAsync()
    {
        var portal = await Control.CreatePortalAsync(app: new() { HandlerUrl = AppUrl + "", InstallUrl = AppUrl + "install", EventHandlerUrl = AppUrl + "events" });
        var answer = await Control.InstallAsync(portal, new(Finish: true));
        Assert.Equal(200, answer.Status);
        return portal;
    }

    /// <summary>The portal's record, with its accounts, as the app stored it.</summary>
    public async Task<PortalRecord?> StoredPortalAsync(string memberId)
    {
        await using var db = await Factory.Services.GetRequiredService<IDbContextFactory<AppDb>>().CreateDbContextAsync();
        return await db.Portals.Include(p => p.Accounts).AsNoTracking().SingleOrDefaultAsync(p => p.MemberId == memberId);
    }

    /// <summary>
    /// Every column of a portal's row and of each of its account rows, as text: two snapshots are equal
    /// only if nothing about the installation changed. (Encrypted columns compare as ciphertext:
    /// a rewrite of the same secret still shows.)
    /// </summary>
    public static string Snapshot(PortalRecord portal) =>
        System.Text.Json.JsonSerializer.Serialize(new
        {
            portal.Id,
            portal.MemberId,
            portal.Domain,
            portal.ClientEndpoint,
            portal.OAuthServer,
            portal.ProtectedApplicationToken,
            portal.Scope,
            portal.Status,
            portal.Language,
            portal.InstalledAt,
            portal.UpdatedAt,
            Accounts = portal.Accounts.OrderBy(a => a.UserId).Select(a => new
            {
                a.Id,
                a.UserId,
                a.Admin,
                a.ProtectedAccessToken,
                a.ProtectedRefreshToken,
                a.RefreshTokenHash,
                a.ExpiresAt,
                a.UpdatedAt,
                a.Failure,
                a.FailedAt,
            }),
        });

    /// <summary>Opens the app as a portal user would and returns the page session it hands out.</summary>
    public async Task<string> OpenSessionAsync(EmulatedPortal portal, int userId, Uri? appUrl = null)
    {
        var open = await Control.OpenAsync(portal, new(UserId: userId, Url: (appUrl ?? AppUrl).ToString()));
        var page = new AppPage(open.Status, open.Body);
        Assert.Equal(200, page.Status);
        return page.Session ?? "";
    }

    /// <summary>Every byte the database keeps on disk, for scanning for secrets.</summary>
    public byte[] DatabaseBytes()
    {
        using var copy = new MemoryStream();
        foreach (var file in new[] { DatabasePath, DatabasePath + "-wal" }.Where(File.Exists))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.CopyTo(copy);
        }

        return copy.ToArray();
    }
}
