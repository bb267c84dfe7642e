package io.tinykv.bench.workload;

import java.util.Locale;

/** How operations pick records. */
public enum KeyDistribution {
    UNIFORM,
    /** Skewed popularity (theta from the configuration), popular records scattered over the keys. */
    ZIPFIAN;

    public KeyChooser chooser(long recordCount, double zipfianTheta) {
        return switch (this) {
            case UNIFORM -> new UniformKeyChooser(recordCount);
            case ZIPFIAN -> new ScrambledZipfianChooser(recordCount, zipfianTheta);
        };
    }

    public static KeyDistribution named(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown key distribution '" + name + "'; expected uniform or zipfian", e);
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
