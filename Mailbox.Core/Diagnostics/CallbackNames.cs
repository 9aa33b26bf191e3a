namespace Mailbox;

/// <summary>Turns a delegate into the <c>Type.Method</c> name that fault and slow-callback reports carry.</summary>
internal static class CallbackNames
{
    /// <summary>The delegate's declaring type and method name.</summary>
    public static string Of(Delegate callback)
    {
        var method = callback.Method;
        return method.DeclaringType is { } type ? $"{type.Name}.{method.Name}" : method.Name;
    }
}
