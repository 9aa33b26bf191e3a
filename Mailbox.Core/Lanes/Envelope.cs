using System.Runtime.CompilerServices;

namespace Mailbox;

/// <summary>
/// One unit of work in a lane: a 16-byte struct, two references, so queuing it allocates nothing of its own and a cache
/// line carries four of them, or two and a half of a channel's slots (every line a sender writes must travel to the
/// reader's core, and the reader's cost per message follows the bytes it reads).
/// </summary>
/// <remarks>
/// Three shapes, told apart without a tag field:
/// <list type="bullet">
/// <item><see cref="Callback"/> is exactly an <see cref="Action"/>: run it (the common case, checked first).</item>
/// <item><see cref="State"/> is an <see cref="EnvelopeInvoker"/>: it knows how to run <see cref="Callback"/> (value-type
/// state in a pooled <see cref="StateBox{TState}"/>, library work items, tasks). User state can never be an
/// <see cref="EnvelopeInvoker"/>: the type is internal.</item>
/// <item>Otherwise <see cref="Callback"/> is a one-argument delegate taking a reference (<see cref="Action{T}"/> of a
/// reference type, <see cref="SendOrPostCallback"/>) and <see cref="State"/> its argument. Such delegates share one
/// calling convention whatever the reference type, so it is invoked as <c>Action&lt;object?&gt;</c>.</item>
/// </list>
/// </remarks>
internal readonly struct Envelope
{
    /// <summary>The delegate (or library work item, or state box) to run.</summary>
    public readonly object Callback;

    /// <summary>The callback's reference-type argument, or the <see cref="EnvelopeInvoker"/> that runs it.</summary>
    public readonly object? State;

    public Envelope(Action callback)
    {
        Callback = callback;
        State = null;
    }

    /// <summary>A one-argument delegate over a reference type, with its argument.</summary>
    public Envelope(Delegate callback, object? state)
    {
        Callback = callback;
        State = state;
    }

    /// <summary>Work that <paramref name="invoker"/> knows how to run.</summary>
    public Envelope(object callback, EnvelopeInvoker invoker)
    {
        Callback = callback;
        State = invoker;
    }

    /// <summary>Runs the work. Loop thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke()
    {
        if (Callback.GetType() == typeof(Action))
        {
            Unsafe.As<Action>(Callback)();
        }
        else if (State is EnvelopeInvoker invoker)
        {
            invoker.Invoke(in this);
        }
        else
        {
            Unsafe.As<Action<object?>>(Callback)(State);
        }
    }

    /// <summary>The method behind the work, as <c>Type.Method</c>, for fault and slow-callback reports.</summary>
    public string Describe() => State is EnvelopeInvoker invoker ? invoker.Describe(in this) : CallbackNames.Of((Delegate)Callback);
}
