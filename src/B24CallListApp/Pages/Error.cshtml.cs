using B24CallListApp.Portals;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace B24CallListApp.Pages;

/// <summary>
/// What a page's failure shows (re-executed here by the exception handler): the sentence for what
/// failed, in the user's language, framed for the portal whose page it was; never the exception.
/// The JSON endpoints answer problem details instead (<see cref="WorkspaceExceptionHandler"/>).
/// </summary>
public sealed class ErrorModel : AppPageModel
{
    public IActionResult OnGet()
    {
        var (status, textKey) = Problems.For(HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error) ?? (StatusCodes.Status500InternalServerError, "Error");
        var portal = HttpContext.Features.Get<PageSessionFeature>()?.Session.PortalOrigin ?? FramePost.ClaimedOrigin(Request.Query);
        return ShowMessage(status, textKey, portal);
    }

    public IActionResult OnPost() => OnGet();
}
