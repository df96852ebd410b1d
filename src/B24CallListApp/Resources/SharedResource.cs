namespace B24CallListApp.Resources;

/// <summary>The app's texts: <c>SharedResource.resx</c> (English) and <c>SharedResource.ru.resx</c> (Russian).</summary>
public sealed class SharedResource;
