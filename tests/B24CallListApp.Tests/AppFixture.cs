using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
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

    public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    protected virtual bool AllowPrivateNetworkPortals => true;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("ConnectionStrings:Default", $"Data Source={DatabasePath}");
            web.UseSetting("Bitrix24:ClientId", "app.test");
            web.UseSetting("Bitrix24:ClientSecret", "test-secret");
            web.UseSetting("Bitrix24:OAuthServers:0", Control.BaseAddress.ToString());
            web.UseSetting("Bitrix24:AllowPrivateNetworkPortals", AllowPrivateNetworkPortals ? "true" : "false");
            web.UseSetting("Bitrix24:RateLimit:BurstLimit", "1000");
            web.UseSetting("Bitrix24:RateLimit:RequestsPerSecond", "1000");
        });
        Factory.UseKestrel(0);
        Factory.StartServer();
        var address = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        AppUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

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
        var portal = await Control.CreatePortalAsync(extra: new { handlerUrl = AppUrl + "", installUrl = AppUrl + "install", eventHandlerUrl = AppUrl + "events" });
        var answer = await Control.PostAsync($"/_emulator/portals/{portal.MemberId}/install", new { finish = true });
        Assert.Equal(200, (int)answer["status"]!);
        return portal;
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
