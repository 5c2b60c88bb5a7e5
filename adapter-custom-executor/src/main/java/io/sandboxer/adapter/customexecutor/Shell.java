package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.bootstrap.OsFamily;
import java.util.Arrays;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --shell}: the shell the runner writes job scripts for, which also says the guest's OS family. */
enum Shell {
    BASH("bash", OsFamily.LINUX),
    PWSH("pwsh", OsFamily.WINDOWS);

    private final String flag;
    private final OsFamily os;

    Shell(String flag, OsFamily os) {
        this.flag = flag;
        this.os = os;
    }

    String flag() {
        return flag;
    }

    OsFamily os() {
        return os;
    }

    /** The shell named {@code value}; an IllegalArgumentException names the option and the choices. */
    static Shell of(String value) {
        return Arrays.stream(values()).filter(s -> s.flag.equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--shell " + value + " is not supported: use "
                        + Arrays.stream(values()).map(Shell::flag).collect(Collectors.joining(" or "))));
    }

    /** Reads {@code bash} or {@code pwsh}; anything else is refused naming the option and the choices. */
    static final class Converter implements ITypeConverter<Shell> {
        @Override
        public Shell convert(String value) {
            try {
                return of(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
