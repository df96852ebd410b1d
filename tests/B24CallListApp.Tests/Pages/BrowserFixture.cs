using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TestSupport;

namespace B24CallListApp.Tests.Pages;

/// <summary>
/// The app, the emulator and Debian's Chromium driven by Playwright. The app is addressed as
/// localhost and the portal as 127.0.0.1, so the iframe is cross-site as in a real portal.
/// </summary>
public sealed class BrowserFixture : AppFixture
{
    IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public Uri AppBaseForPortal => new($"http://localhost:{AppUrl.Port}/");

    /// <summary>A new demo portal with the app installed and its install finished.</summary>
    public async Task<EmulatedPortal> InstalledPortalAsync(string language = "en")
    {
        var portal = await Control.CreatePortalAsync(language: language, app: new() { HandlerUrl = AppBaseForPortal.ToString(), InstallUrl = AppBaseForPortal + "install" });
        Assert.Equal(200, (await Control.InstallAsync(portal, new(Finish: true))).Status);
        return portal;
    }

    public Task<IBrowserContext> NewContextAsync(int width = 1280, int height = 900) =>
        Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });

    /// <summary>The portal's page for a user in a browser of its own, the app's call lists showing in its frame.</summary>
    public async Task<PortalPageObject> OpenAsync(EmulatedPortal portal, int userId, string lang = "en", int width = 1280, IBrowserContext? context = null)
    {
        context ??= await NewContextAsync(width);
        var page = new PortalPageObject(await context.NewPageAsync(), portal);
        await page.OpenAsync(userId, lang);
        await Assertions.Expect(page.Heading).ToHaveTextAsync(lang == "ru" ? "Списки обзвона" : "Call lists", new() { Timeout = 15_000 });
        await page.ReadyAsync();
        return page;
    }

    /// <summary>A list's participants as the portal holds them.</summary>
    public Task<IReadOnlyList<int>> ParticipantsAsync(EmulatedPortal portal, int listId) => Control.ParticipantsAsync(portal, listId);

    /// <summary>The ids of the contacts (or companies) an administrator reads with this filter, in the portal's order.</summary>
    public static async Task<IReadOnlyList<int>> IdsAsync(EmulatedPortal portal, string method, JsonObject filter)
    {
        var ids = new List<int>();
        for (int? start = 0; start is not null;)
        {
            var (_, answer) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, method, new JsonObject { ["select"] = new JsonArray("ID"), ["filter"] = filter.DeepClone(), ["start"] = start });
            ids.AddRange(answer["result"]!.AsArray().Select(r => int.Parse((string)r!["ID"]!, System.Globalization.CultureInfo.InvariantCulture)));
            start = (int?)answer["next"];
        }

        return ids;
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await Chromium.LaunchAsync(_playwright);
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}
