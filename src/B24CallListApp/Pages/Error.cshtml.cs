using B24CallListApp.Portals;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace B24CallListApp.Pages;

/// <summary>What an unexpected failure shows: a sentence in the user's language, never the exception.</summary>
public sealed class ErrorModel : AppPageModel
{
    public IActionResult OnGet()
    {
        var path = HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? "";
        if (path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/events", StringComparison.OrdinalIgnoreCase))
        {
            // Callers of the JSON endpoints get JSON, as from every other answer there.
            return new ObjectResult(new ProblemDetails { Status = 500, Title = "An unexpected error occurred." }) { StatusCode = 500 };
        }

        return ShowMessage(500, "Error", FramePost.ClaimedOrigin(Request.Query));
    }

    public IActionResult OnPost() => OnGet();
}
