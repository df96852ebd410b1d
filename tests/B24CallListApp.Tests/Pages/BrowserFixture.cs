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
