using Microsoft.Playwright;
using TestSupport;

namespace B24CallListApp.Tests.Pages;

/// <summary>The emulated portal's page in the browser, with the app in its iframe.</summary>
public sealed class PortalPageObject(IPage page, EmulatedPortal portal)
{
    public IPage Page { get; } = page;

    public IFrameLocator App => Page.FrameLocator("iframe[name=app]");

    public ILocator Heading => App.Locator("h1");

    public ILocator SignedInUser => App.Locator("[data-user]");

    public ILocator CallListRows => App.Locator("tr[data-list-id]");

    public ILocator Message => App.Locator("[data-message]");

    public async Task OpenAsync(int userId, string lang = "en") =>
        await Page.GotoAsync($"http://{portal.Domain}/?user={userId}&lang={lang}");
}
