using System.Runtime.CompilerServices;

namespace Mailbox;

/// <summary>
/// One unit of work in a lane, kept as a 32-byte struct so that queuing it allocates nothing of its own.
/// <see cref="Invoker"/> is null for a plain <see cref="Action"/>; otherwise it knows how to call
/// <see cref="Callback"/> with the state kept in <see cref="State"/> or, for small unmanaged value types,
/// inline in <see cref="Inline"/>.
/// </summary>
internal readonly struct Envelope
{
    /// <summary>The delegate (or <see cref="LoopWorkItem"/>) to run.</summary>
    public readonly object Callback;

    /// <summary>Reference-type (or boxed) state for <see cref="Callback"/>.</summary>
    public readonly object? State;

    /// <summary>Calls <see cref="Callback"/> with its state; null when <see cref="Callback"/> is an <see cref="Action"/>.</summary>
    public readonly EnvelopeInvoker? Invoker;

    /// <summary>The bits of a value-type state of at most 8 bytes that holds no references.</summary>
    public readonly ulong Inline;

    public Envelope(Action callback)
    {
        Callback = callback;
        State = null;
        Invoker = null;
        Inline = 0;
    }

    public Envelope(object callback, object? state, EnvelopeInvoker invoker, ulong inline = 0)
    {
        Callback = callback;
        State = state;
        Invoker = invoker;
        Inline = inline;
    }

    /// <summary>Runs the work. Loop thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke()
    {
        if (Invoker is null)
        {
            Unsafe.As<Action>(Callback)();
        }
        else
        {
            Invoker.Invoke(in this);
        }
    }

    /// <summary>The method behind the work, as <c>Type.Method</c>, for fault and slow-callback reports.</summary>
    public string Describe() => Invoker is null ? CallbackNames.Of((Delegate)Callback) : Invoker.Describe(in this);
}
