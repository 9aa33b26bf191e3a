namespace Mailbox;

/// <summary>
/// Turns a delegate into the <c>Type.Method</c> name that fault and slow-callback reports carry. Compiler-generated
/// names are unwrapped so a report names the code a person wrote: a lambda in <c>Orders.Submit</c> reads
/// <c>Orders.Submit (lambda)</c>, an async method's continuation reads <c>Orders.SubmitAsync</c>.
/// </summary>
internal static class CallbackNames
{
    /// <summary>The delegate's declaring type and method name.</summary>
    public static string Of(Delegate callback)
    {
        // An await continuation is the state machine box's MoveNext; its target names the async method.
        var method = callback.Method;
        var type = method.DeclaringType;
        if (callback.Target?.GetType() is { IsGenericType: true } target && target.Name.StartsWith("AsyncStateMachineBox", StringComparison.Ordinal))
        {
            type = target.GetGenericArguments()[0];
        }

        string name = method.Name;
        while (type is not null && type.Name.StartsWith('<'))
        {
            // <Outer>d__3 (async/iterator state machine) or <>c / <>c__DisplayClass (closure): the user's type is outside.
            if (Unwrap(type.Name) is { Length: > 0 } outer)
            {
                name = outer;
            }

            type = type.DeclaringType;
        }

        if (name.StartsWith('<'))
        {
            name = $"{Unwrap(name)} (lambda)";
        }

        return type is null ? name : $"{type.Name}.{name}";
    }

    /// <summary>The text between the leading '&lt;' and its '&gt;'.</summary>
    private static string Unwrap(string generated)
    {
        int end = generated.IndexOf('>', StringComparison.Ordinal);
        return end > 1 ? generated[1..end] : string.Empty;
    }
}
