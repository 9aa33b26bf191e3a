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
        // An await continuation is the state machine box's MoveNext; its target names the async method. The box is
        // AsyncTaskMethodBuilder<TResult>.AsyncStateMachineBox<TStateMachine>, a nested type whose generic arguments
        // are the builder's and then its own: the state machine is the last.
        var method = callback.Method;
        var type = method.DeclaringType;
        if (callback.Target?.GetType() is { IsGenericType: true } target && target.Name.StartsWith("AsyncStateMachineBox", StringComparison.Ordinal))
        {
            type = target.GetGenericArguments()[^1];
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

    /// <summary>
    /// The text between the leading '&lt;' and the '&gt;' that closes it (empty for <c>&lt;&gt;c</c>). Names nest: an
    /// async lambda's state machine is <c>&lt;&lt;Submit&gt;b__0_0&gt;d</c>, the lambda <c>&lt;Submit&gt;b__0_0</c>. The
    /// whole name when nothing closes it, which no C# compiler name lacks but emitted code may.
    /// </summary>
    private static string Unwrap(string generated)
    {
        int depth = 0;
        for (int i = 0; i < generated.Length; i++)
        {
            if (generated[i] == '<')
            {
                depth++;
            }
            else if (generated[i] == '>' && --depth == 0)
            {
                return generated[1..i];
            }
        }

        return generated;
    }
}
