using Microsoft.Playwright;

namespace B24CallListApp.Tests.Pages;

/// <summary>
/// The app, the emulator and Debian's Chromium driven by Playwright. The app is addressed as
/// localhost and the portal as 127.0.0.1, so the iframe is cross-site as in a real portal.
/// </summary>
public sealed class BrowserFixture : AppFixture
{
    public const string ChromiumPath = "/usr/bin/chromium";

    IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public Uri AppBaseForPortal => new($"http://localhost:{AppUrl.Port}/");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--test-third-party-cookie-phaseout", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
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
