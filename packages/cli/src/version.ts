/** The version of the `multilora` command line package. */
export const version = '0.1.0';
